import { describe, expect, it } from 'vitest';
import { createOpenApiValidator } from '../helpers/openapi.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';

// Persona's own schema for the body of an `inquiry.completed` delivery (OpenAPI 3.1 top-level `webhooks`).
const INQUIRY_COMPLETED_BODY = '#/webhooks/inquiry.completed/post/requestBody/content/application~1json/schema';

describe('webhook fixtures against the vendored Persona OpenAPI spec (2025-12-08)', () => {
  const validator = createOpenApiValidator('2025-12-08');

  it("builds an inquiry.completed body that is valid against Persona's webhook schema", () => {
    expect(validator.validate(INQUIRY_COMPLETED_BODY, buildInquiryEventBody())).toEqual([]);
  });

  it('builds an inquiry payload that is valid against the inquiry schema, with several verifications', () => {
    const body = buildInquiryEventBody({ verificationIds: ['ver_A', 'ver_B', 'ver_C'] }) as {
      data: { attributes: { payload: { data: unknown } } };
    };
    expect(validator.validate('#/components/schemas/inquiry', body.data.attributes.payload.data)).toEqual([]);
  });

  it('detects drift: a body missing a required inquiry attribute is reported', () => {
    const body = structuredClone(buildInquiryEventBody()) as {
      data: { attributes: { payload: { data: { attributes: Record<string, unknown> } } } };
    };
    delete body.data.attributes.payload.data.attributes['completed-at'];
    expect(validator.validate(INQUIRY_COMPLETED_BODY, body).join('\n')).toContain("'completed-at'");
  });

  it('detects drift: a body with an attribute the schema does not know is reported', () => {
    const body = structuredClone(buildInquiryEventBody()) as { data: { attributes: Record<string, unknown> } };
    body.data.attributes['not-in-the-spec'] = true;
    expect(validator.validate(INQUIRY_COMPLETED_BODY, body)).not.toEqual([]);
  });

  it('accepts pointers with or without the leading #', () => {
    const inquiry = { type: 'inquiry' };
    expect(validator.validate('/components/schemas/inquiry', inquiry)).toEqual(
      validator.validate('#/components/schemas/inquiry', inquiry),
    );
  });
});
