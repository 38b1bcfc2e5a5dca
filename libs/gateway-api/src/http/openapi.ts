import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { apiSchemas } from './api-schemas';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

/** JSON Schemas (OpenAPI 3.0 dialect) of every named API body, with `$ref`s between them. */
export function apiComponentSchemas(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    target: 'openapi-3.0',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
    io: 'input',
  });
  const out: Record<string, SchemaObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $id: _id, $schema: _schema, ...rest } = schema;
    out[id] = rest as SchemaObject;
  }
  return out;
}

/**
 * The gateway's OpenAPI 3 document: routes from the Nest controllers (@nestjs/swagger), bodies from the zod
 * schemas the controllers validate with. Also used to write the document to a file.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Sales agent gateway')
    .setDescription(
      'REST + Server-Sent Events API of the sales-conversation agent. Authenticate with an API key ' +
        '(`Authorization: Bearer sk_...`); the key decides the tenant. Errors are RFC 9457 ' +
        '`application/problem+json`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A tenant API key (sk_...)' }, 'apiKey')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' }, 'adminKey')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...apiComponentSchemas() },
  };
  return document;
}
