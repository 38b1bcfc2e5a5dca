// The default `npm start`: the five services in one process, embedded PostgreSQL, in-process transport.
import './telemetry';
import { CommonConfigSchema, loadConfig } from '@lib/config';
import { exitOnBootFailure, stopOnSignals } from '@lib/runtime';
import { startEmbeddedSystem } from '@lib/runtime/embedded';

async function main(): Promise<void> {
  const system = await startEmbeddedSystem();
  const url = system.gatewayUrl;
  const key = system.developmentApiKey;
  const banner = [
    '',
    `  Sales agent backend (embedded mode) is running at ${url}`,
    `  Web console:         ${url}/console/ ("Use development key" signs in)`,
    `  API docs:            ${url}/docs`,
    `  Development API key: ${key}`,
    '',
    '  Try it:',
    `    curl -s -X POST ${url}/v1/conversations -H 'Authorization: Bearer ${key}' \\`,
    `      -H 'Content-Type: application/json' \\`,
    `      -d '{"mode":"autonomous","prospect":{"email":"maya.chen@northwindpay.com"}}'`,
    `    curl -s -X POST '${url}/v1/conversations/<id>/turns?wait=10' -H 'Authorization: Bearer ${key}' \\`,
    `      -H 'Content-Type: application/json' -d '{"role":"prospect","text":"How much does PostHog cost for a team of 20?"}'`,
    `    curl -N ${url}/v1/conversations/<id>/events -H 'Authorization: Bearer ${key}'`,
    '',
    '  Press Ctrl+C to stop.',
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  stopOnSignals(system.stop, loadConfig(CommonConfigSchema).SHUTDOWN_TIMEOUT_MS + 10_000);
}

main().catch(exitOnBootFailure('embedded'));
