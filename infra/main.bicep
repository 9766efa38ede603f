// Kaizala Migration Assistant — everything one partner needs in one resource group:
//   App Service for Linux (Node 20, health check on /healthz) running the bot, scaled out to 1+ instances;
//   Azure Bot with the Teams channel, authenticated by a user-assigned managed identity (no bot secret to rotate);
//   a Storage account whose Tables hold the state when several instances run (STORE=azure);
//   Key Vault holding every secret, read by the app through Key Vault references;
//   Application Insights (workspace-based) for logs, traces and metrics.
// Why App Service and not Container Apps: the Microsoft 365 Agents Toolkit deploys to it directly (zip deploy of
// the built app, see m365agents.yml), its health check takes unhealthy instances out of rotation, Key Vault
// references are native app settings, and "Always On" keeps the daily scan's timer alive. The Dockerfile serves
// partners who prefer containers (App Service can run it as well).

@description('Short lowercase name used to derive every resource name (3-16 letters or digits).')
@minLength(3)
@maxLength(16)
param resourceBaseName string

@description('Azure region of the resources (the bot registration itself is global).')
param location string = resourceGroup().location

@description('App Service plan SKU. B1 suits one instance; P0v3 or above for several instances and zone redundancy.')
param webAppSku string = 'B1'

@description('Number of bot instances. More than one requires STORE=azure, which this template configures.')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('The partner tenant id (Entra): the bot\'s identity lives there, and only its users may use the bot.')
param partnerTenantId string = subscription().tenantId

@description('Partner Center app registration (client) id used for Partner Center and Graph (see docs/deploy.md).')
param partnerCenterClientId string

@description('Who decides on migrations: Entra object ids or UPNs, comma separated (at least two for four eyes).')
param approvers string

@description('Who may connect Partner Center (`connect partner center`): Entra object ids or UPNs, comma separated.')
param admins string

@description('Two-letter market of the partner (catalog and prices).')
param partnerCountry string = 'US'

@description('Object id of the person or pipeline that will put secrets into the Key Vault (gets Key Vault Secrets Officer).')
param secretsOfficerObjectId string = ''

var names = {
  identity: '${resourceBaseName}-identity'
  plan: '${resourceBaseName}-plan'
  site: '${resourceBaseName}-app'
  bot: resourceBaseName
  storage: take('${toLower(replace(resourceBaseName, '-', ''))}store${uniqueString(resourceGroup().id)}', 24)
  vault: take('${resourceBaseName}-kv-${uniqueString(resourceGroup().id)}', 24)
  workspace: '${resourceBaseName}-logs'
  insights: '${resourceBaseName}-insights'
}

// Built-in role: Key Vault Secrets User (read secret values).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
// Built-in role: Key Vault Secrets Officer (manage secrets).
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: names.storage
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
  }
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: names.vault
  location: location
  properties: {
    tenantId: partnerTenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

// The storage connection string is generated here, so no person ever copies it.
resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'AzureStorageConnectionString'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource identityReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource officerManagesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerObjectId)) {
  scope: vault
  name: guid(vault.id, secretsOfficerObjectId, keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: secretsOfficerObjectId
  }
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.workspace
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: names.plan
  location: location
  kind: 'linux'
  sku: { name: webAppSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: names.site
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (@Microsoft.KeyVault(...) app settings) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node dist/bot/index.js'
      alwaysOn: true
      healthCheckPath: '/healthz'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'NODE_ENV', value: 'production' }
        // The zip carries sources only; App Service (Oryx) builds on Linux, so better-sqlite3's native binary
        // matches the host. Dev dependencies are needed for tsc (NODE_ENV=production would skip them) and are
        // pruned afterwards.
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
        { name: 'CUSTOM_BUILD_COMMAND', value: 'npm ci --include=dev --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund' }
        { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '3' }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: partnerTenantId }
        { name: 'ALLOWED_TENANT_IDS', value: partnerTenantId }
        { name: 'STORE', value: 'azure' }
        { name: 'AZURE_STORAGE_CONNECTION_STRING', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${storageSecret.name})' }
        { name: 'PARTNER_CENTER_MODE', value: 'live' }
        { name: 'PARTNER_TENANT_ID', value: partnerTenantId }
        { name: 'PARTNER_CENTER_CLIENT_ID', value: partnerCenterClientId }
        { name: 'PARTNER_CENTER_CLIENT_SECRET', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=PartnerCenterClientSecret)' }
        { name: 'TOKEN_ENCRYPTION_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=TokenEncryptionKey)' }
        { name: 'PARTNER_COUNTRY', value: partnerCountry }
        { name: 'APPROVERS', value: approvers }
        { name: 'ADMINS', value: admins }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
      ]
    }
  }
  dependsOn: [identityReadsSecrets]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: names.bot
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'Kaizala Migration Assistant'
    endpoint: 'https://${site.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: partnerTenantId
    msaAppMSIResourceId: identity.id
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

@description('The bot\'s app id (the managed identity\'s client id): MicrosoftAppId for `npm run package`.')
output BOT_ID string = identity.properties.clientId
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = site.id
output BOT_DOMAIN string = site.properties.defaultHostName
output KEY_VAULT_NAME string = vault.name
