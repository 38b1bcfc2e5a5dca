import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { handleMetricsRequest } from '@lib/telemetry';

/**
 * `GET /metrics`: the process's OpenTelemetry metrics in Prometheus text format, served by the service's
 * own HTTP server (no second port). 404 when OpenTelemetry is not started (`OTEL_SDK_DISABLED=true`).
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  @Get()
  scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    handleMetricsRequest(request, response);
  }
}
