import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { HTTP_STATUS_TITLES, PROBLEM_CONTENT_TYPE } from './problem';

/** `$ref` to a schema of the `apiSchemas` registry (added to the document by `buildOpenApiDocument`). */
export const schemaRef = (id: string): { $ref: string } => ({ $ref: `#/components/schemas/${id}` });

/** Documents the problem+json error responses of a route. */
export const ApiProblemResponses = (...statuses: number[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: HTTP_STATUS_TITLES[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaRef('Problem') } },
      }),
    ),
  );

/** Documents a JSON response with a schema of the registry. */
export const ApiJsonResponse = (status: number, description: string, schemaId: string): MethodDecorator =>
  ApiResponse({ status, description, content: { 'application/json': { schema: schemaRef(schemaId) } } });
