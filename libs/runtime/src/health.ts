import { Controller, Get, HttpCode, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';

/** Things readiness depends on besides the database, e.g. the event transport having joined its group. */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, () => boolean>();

  register(name: string, check: () => boolean): void {
    this.checks.set(name, check);
  }

  results(): Record<string, boolean> {
    return Object.fromEntries([...this.checks].map(([name, check]) => [name, safe(check)]));
  }
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/**
 * `/health/live`: the process answers (restart it if not). `/health/ready`: it can do its job: PostgreSQL
 * answers and the event transport is connected (take it out of rotation if not).
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = {
      database: await this.databaseUp(),
      ...this.readiness.results(),
    };
    if (Object.values(checks).some((ok) => !ok)) {
      throw new ServiceUnavailableException({ status: 'unavailable', checks });
    }
    return { status: 'ok', checks };
  }

  private async databaseUp(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
