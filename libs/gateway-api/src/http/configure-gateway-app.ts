import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { MAX_BODY_BYTES } from './body-limits';
import { buildOpenApiDocument } from './openapi';

export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

/**
 * HTTP setup of the gateway, before the app initialises: the JSON body limit (413 problem+json beyond it,
 * chunked bodies included) and the OpenAPI document at /docs (UI) and /docs/openapi.json.
 */
export function configureGatewayApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  // Registered before Nest's default parsers, which then skip JSON (already parsed).
  express.useBodyParser('json', { limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] });
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}
