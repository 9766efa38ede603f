import Ajv from 'ajv';
import draft6MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';
import cardSchema from './schema/adaptive-card-1.5.json';

export interface CardValidation {
  valid: boolean;
  errors: string[];
}

/** Compiles the official Adaptive Card 1.5 schema once; returns a validator for rendered cards. */
export function createCardValidator(): (card: unknown) => CardValidation {
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(draft6MetaSchema);
  // The only formats the schema uses; a URI reference may be relative, so resolve it against a dummy base.
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addFormat('uri-reference', (value: string) => URL.canParse(value, 'https://base.invalid/'));
  // The published schema uses draft-04's `id`; ajv 8 only understands `$id`.
  const { id, ...rest } = cardSchema as Record<string, unknown> & { id: string };
  const validate = ajv.compile({ ...rest, $id: id });
  return (card) => {
    const valid = validate(card) === true;
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
    return { valid, errors };
  };
}
