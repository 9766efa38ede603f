import { TableClient } from '@azure/data-tables';
import { openStore, StoreHealth } from '../../services/store';
import { CHUNK_LENGTH, MAX_CHUNKS } from '../../services/store/azureEntity';
import { AzureTableStore, openAzureTableStore } from '../../services/store/azureTableStore';
import { startAzurite, type RunningAzurite } from './azurite';
import { describeLeaseContract } from './leaseContract';
import { describeStoreContract } from './storeContract';

let azurite: RunningAzurite;
let prefixCount = 0;
/** Each store gets its own tables, so tests sharing one Azurite never see each other's data. */
const freshStore = (): Promise<AzureTableStore> =>
  openAzureTableStore(azurite.connectionString, { tablePrefix: `t${++prefixCount}` });

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

describeStoreContract('Azure Tables (Azurite)', freshStore);
describeLeaseContract('Azure Tables (Azurite)', freshStore);

describe('Azure Tables store', () => {
  it('is ready for /readyz when a probe row can be upserted and read back, and names the endpoint when not', async () => {
    const store = await freshStore();
    await expect(new StoreHealth(store).check()).resolves.toBeUndefined();
    expect((await store.get<{ nonce: string }>('meta', 'readinessProbe'))?.value.nonce).toEqual(expect.any(String));
    await store.close();

    // An account that does not answer (nothing listens on port 1).
    const dead = new AzureTableStore(azurite.connectionString.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:1'));
    await expect(new StoreHealth(dead).check()).rejects.toThrow(/^storage not writable \(http:\/\/127\.0\.0\.1:1\/.*\): /);
  }, 60_000);

  it('names tables <prefix><TableName> and escapes keys Azure forbids', async () => {
    const store = await openAzureTableStore(azurite.connectionString, { tablePrefix: 'kmaNames' });
    await store.insert('subscriptionsSeen', 'tenant/sub#1?', { ok: true });

    const raw = TableClient.fromConnectionString(azurite.connectionString, 'kmaNamessubscriptionsSeen', {
      allowInsecureConnection: true,
    });
    const rowKeys: string[] = [];
    for await (const entity of raw.listEntities()) rowKeys.push(entity.rowKey ?? '');
    expect(rowKeys).toEqual(['tenant!2Fsub!231!3F']);
    await store.close();
  });

  it('refuses a value too large for one entity, naming the item', async () => {
    const store = await freshStore();
    const tooBig = 'x'.repeat(CHUNK_LENGTH * MAX_CHUNKS);

    await expect(store.insert('runs', 'huge', tooBig)).rejects.toThrow(/runs\/huge.*Azure Tables/);
    expect(await store.get('runs', 'huge')).toBeUndefined();
    await store.close();
  });

  it('stores the largest value that fits', async () => {
    const store = await freshStore();
    const largest = 'y'.repeat(CHUNK_LENGTH * MAX_CHUNKS - 2);

    await store.insert('runs', 'largest', largest);

    expect((await store.get('runs', 'largest'))?.value).toBe(largest);
    await store.close();
  });

  it('refuses a table prefix Azure would not accept', () => {
    expect(() => new AzureTableStore(azurite.connectionString, { tablePrefix: 'kma-test' })).toThrow(/kma-test/);
    expect(() => new AzureTableStore(azurite.connectionString, { tablePrefix: '1kma' })).toThrow(/1kma/);
  });

  it('fails to open against an endpoint that does not answer, naming it but not the account key', async () => {
    const deadEndpoint = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    const accountKey = /AccountKey=([^;]+)/.exec(deadEndpoint)?.[1] ?? 'missing';

    const opening = openAzureTableStore(deadEndpoint, { tablePrefix: 'dead' });

    await expect(opening).rejects.toThrow(/Cannot reach Azure Table storage at http:\/\/127\.0\.0\.1:9/);
    await expect(opening).rejects.not.toThrow(accountKey);
  });

  it('is what openStore returns for kind azure', async () => {
    const store = await openStore({ kind: 'azure', connectionString: azurite.connectionString, tablePrefix: 'open' });

    expect(store).toBeInstanceOf(AzureTableStore);
    await store.ping();
    await store.close();
  });
});
