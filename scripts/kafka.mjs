#!/usr/bin/env node
// Installs and runs a real single-node Apache Kafka broker (KRaft combined mode)
// for local development and CI, without Docker and without a Kafka tarball:
// the broker jars come from Maven Central via the local Maven, so CI can cache
// them together with ~/.m2.
//
//   node scripts/kafka.mjs install | start | stop | status | reset
//
// Progress goes to stderr as `[kafka] ...` lines; stdout only carries
// machine-readable output (the `KAFKA_BROKERS=host:port` line of `start`, the
// `status` line), so `node scripts/kafka.mjs start >> "$GITHUB_ENV"` works.
//
// Programmatic use (e.g. from the test runner):
//   import { ensureKafka, stopKafka } from './kafka.mjs';
//   const { brokers, startedHere } = await ensureKafka();
//   ...; if (startedHere) await stopKafka();
//
// Only Node built-ins are used on purpose: this script must work before
// `npm install` and in CI jobs that never install node_modules.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const KAFKA_VERSION = '3.9.1';
const SCALA_BINARY_VERSION = '2.13';
// Kafka 3.9 ships slf4j 1.7 + reload4j as its logging backend; the kafka_2.13
// POM only depends on slf4j-api, so without this binding the broker would run
// with a NOP logger and we could not diagnose start-up failures.
const SLF4J_VERSION = '1.7.36';
const RELOAD4J_VERSION = '1.2.25'; // what the 3.9 distribution ships; slf4j-reload4j alone drags in 1.2.19
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

// Jars whose absence means the broker (or the format step) cannot start.
// Checked after install so a broken Maven resolution fails loudly at install
// time instead of as a ClassNotFoundException buried in the broker log.
const REQUIRED_JAR_PREFIXES = [
  `kafka_${SCALA_BINARY_VERSION}-`, // kafka.Kafka, kafka.tools.StorageTool
  'kafka-clients-',
  'kafka-server-',
  'kafka-server-common-',
  'kafka-metadata-',
  'kafka-raft-',
  'kafka-storage-',
  'kafka-storage-api-',
  'kafka-group-coordinator-',
  'kafka-transaction-coordinator-',
  'kafka-tools-', // CLI classes (TopicCommand, console producer/consumer)
  'scala-library-',
  'scala-reflect-',
  'jackson-databind-',
  'jackson-module-scala_',
  'slf4j-api-',
  'slf4j-reload4j-',
  'reload4j-',
  'metrics-core-',
  'argparse4j-',
];

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const defaultLog = (msg) => process.stderr.write(`[kafka] ${msg}\n`);

/** Resolves settings: explicit opts win over env vars, which win over defaults. */
function resolveConfig(opts = {}) {
  const env = process.env;
  const int = (v, name) => {
    const n = Number.parseInt(String(v), 10);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`invalid ${name}: ${v}`);
    return n;
  };
  const port = int(opts.port ?? env.KAFKA_PORT ?? 19092, 'KAFKA_PORT');
  const controllerPort = int(
    opts.controllerPort ?? env.KAFKA_CONTROLLER_PORT ?? 19093,
    'KAFKA_CONTROLLER_PORT',
  );
  if (port === controllerPort) throw new Error('KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ');
  const dataDir = path.resolve(opts.dataDir ?? env.KAFKA_DATA_DIR ?? path.join(REPO_ROOT, '.data', 'kafka'));
  const cacheDir = path.resolve(
    opts.cacheDir ??
      env.KAFKA_CACHE_DIR ??
      path.join(os.homedir(), '.cache', 'sales-agent', 'kafka', KAFKA_VERSION),
  );
  return {
    host: '127.0.0.1',
    port,
    controllerPort,
    dataDir,
    cacheDir,
    libsDir: path.join(cacheDir, 'libs'),
    logDirs: path.join(dataDir, 'kraft-logs'),
    configFile: path.join(dataDir, 'server.properties'),
    log4jFile: path.join(dataDir, 'log4j.properties'),
    brokerLog: path.join(dataDir, 'broker.log'),
    pidFile: path.join(dataDir, 'kafka.pid'),
    lockFile: path.join(dataDir, '.kafka-script.lock'),
    heapOpts: (opts.heapOpts ?? env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m').split(/\s+/).filter(Boolean),
    startTimeoutMs: Number(opts.startTimeoutMs ?? env.KAFKA_START_TIMEOUT_MS ?? 90_000),
    externalBrokers: opts.brokers ?? env.KAFKA_BROKERS ?? '',
    log: opts.log ?? defaultLog,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Toolchain discovery
// ---------------------------------------------------------------------------

/** Finds a usable `java`, preferring JAVA_HOME so CI setup-java actions are honoured. */
function findJava() {
  const candidates = [];
  if (process.env.JAVA_HOME) {
    candidates.push(
      path.join(process.env.JAVA_HOME, 'bin', process.platform === 'win32' ? 'java.exe' : 'java'),
    );
  }
  candidates.push('java');
  for (const bin of candidates) {
    const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) continue;
    // `java -version` prints to stderr, e.g. `openjdk version "17.0.15"` or `"1.8.0_392"`.
    const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr ?? '');
    const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
    if (Number.isFinite(major) && major < 11) {
      throw new Error(
        `${bin} is Java ${major}; Kafka ${KAFKA_VERSION} needs Java 11+ (17 recommended). ` +
          'Set JAVA_HOME to a newer JDK/JRE.',
      );
    }
    return bin;
  }
  throw new Error(
    'Java not found (tried $JAVA_HOME/bin/java and `java` on PATH). Kafka needs a Java 11+ runtime; ' +
      'install one (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`, macOS: ' +
      '`brew install openjdk@17`, CI: actions/setup-java) or set JAVA_HOME. ' +
      'Alternatively point KAFKA_BROKERS at an existing broker.',
  );
}

function findMaven() {
  const bin = process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'Maven (`mvn`) not found; it is only needed once to download the Kafka jars. Install it ' +
        '(Debian/Ubuntu: `sudo apt-get install -y maven`, macOS: `brew install maven`) or ' +
        'point KAFKA_BROKERS at an existing broker.',
    );
  }
  return bin;
}

// ---------------------------------------------------------------------------
// Locking: `start` may be invoked concurrently (several jest projects, a dev
// shell and a test run); without a lock two brokers would race for the port
// and the data dir, and two installs would clobber each other's libs dir.
// ---------------------------------------------------------------------------

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function withLock(lockFile, log, fn, timeoutMs = 10 * 60_000) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
      if (!Number.isInteger(owner) || !isAlive(owner)) {
        // The previous holder crashed; its lock is meaningless now.
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for lock ${lockFile} held by pid ${owner}`);
      }
      if (!announced) log(`waiting for another kafka.mjs process (pid ${owner})...`);
      announced = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

// ---------------------------------------------------------------------------
// Install
// ---------------------------------------------------------------------------

function pomXml() {
  const dep = (g, a, v, exclusions = '') =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version>${exclusions}</dependency>`;
  // kafka-tools depends on connect-runtime only for the connect-plugin-path
  // tool; excluding it drops Jetty/Jersey/HK2/... (~40 jars, ~25 MB).
  const noConnectRuntime =
    '<exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/kafka.mjs: only used to resolve the Kafka broker runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sales-agent</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', `kafka_${SCALA_BINARY_VERSION}`, KAFKA_VERSION)}
${dep('org.apache.kafka', 'kafka-tools', KAFKA_VERSION, noConnectRuntime)}
${dep('org.slf4j', 'slf4j-reload4j', SLF4J_VERSION)}
${dep('ch.qos.reload4j', 'reload4j', RELOAD4J_VERSION)}
  </dependencies>
</project>
`;
}

const markerPath = (cfg) => path.join(cfg.libsDir, '.installed.json');

function isInstalled(cfg) {
  try {
    const marker = JSON.parse(fs.readFileSync(markerPath(cfg), 'utf8'));
    // The hash ties the cached jars to the dependency list above, so editing
    // the POM template forces a re-download instead of a stale classpath.
    return marker.pomSha256 === sha256(pomXml());
  } catch {
    return false;
  }
}

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

/** Downloads the broker classpath into `<cacheDir>/libs` unless it is already there. */
export async function installKafka(opts = {}) {
  const cfg = resolveConfig(opts);
  const { log } = cfg;
  if (isInstalled(cfg)) {
    log(`Kafka ${KAFKA_VERSION} already installed in ${cfg.libsDir}`);
    return cfg.libsDir;
  }
  return withLock(path.join(cfg.cacheDir, '.install.lock'), log, async () => {
    if (isInstalled(cfg)) return cfg.libsDir; // another process finished while we waited
    const mvn = findMaven();
    const started = Date.now();
    log(
      `installing Kafka ${KAFKA_VERSION} (Scala ${SCALA_BINARY_VERSION}) from Maven Central into ${cfg.cacheDir} ...`,
    );
    fs.mkdirSync(cfg.cacheDir, { recursive: true });
    const pom = pomXml();
    fs.writeFileSync(path.join(cfg.cacheDir, 'pom.xml'), pom);
    // Resolve into a scratch dir and rename at the end, so an interrupted
    // download never leaves a half-populated libs dir that looks usable.
    const tmpLibs = path.join(cfg.cacheDir, `libs.tmp-${process.pid}`);
    fs.rmSync(tmpLibs, { recursive: true, force: true });
    const args = [
      '-B',
      '-q',
      '-f',
      path.join(cfg.cacheDir, 'pom.xml'),
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmpLibs}`,
    ];
    // Output is captured rather than streamed: with -q it is empty on success
    // (apart from stray ANSI resets some Maven builds emit) and only matters on failure.
    const r = await run(mvn, args, { cwd: cfg.cacheDir, capture: true });
    if (r.code !== 0) {
      fs.rmSync(tmpLibs, { recursive: true, force: true });
      const out = r.out.replace(/\x1b\[[0-9;]*m/g, '').trim();
      throw new Error(`mvn ${args.join(' ')} failed with exit code ${r.code}:\n${out}`);
    }
    const jars = fs.readdirSync(tmpLibs).filter((f) => f.endsWith('.jar'));
    // `<prefix><digit>` so that e.g. kafka-server- is not satisfied by kafka-server-common-.
    const missing = REQUIRED_JAR_PREFIXES.filter(
      (p) => !jars.some((j) => j.startsWith(p) && /^\d/.test(j.slice(p.length))),
    );
    if (missing.length) {
      throw new Error(`Kafka classpath incomplete, missing: ${missing.join(', ')} (in ${tmpLibs})`);
    }
    fs.writeFileSync(
      path.join(tmpLibs, '.installed.json'),
      JSON.stringify({ kafka: KAFKA_VERSION, pomSha256: sha256(pom), jars: jars.sort() }, null, 2),
    );
    fs.rmSync(cfg.libsDir, { recursive: true, force: true });
    fs.renameSync(tmpLibs, cfg.libsDir);
    const mb = jars.reduce((n, j) => n + fs.statSync(path.join(cfg.libsDir, j)).size, 0) / 1e6;
    log(
      `installed ${jars.length} jars (${mb.toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    return cfg.libsDir;
  });
}

/** spawn() wrapper whose child output goes to our stderr (stdout stays machine-readable). */
function run(cmd, args, { cwd, capture = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', capture ? 'pipe' : 2, capture ? 'pipe' : 2],
      shell: process.platform === 'win32' && cmd.endsWith('.cmd'),
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

// ---------------------------------------------------------------------------
// Broker configuration
// ---------------------------------------------------------------------------

function writeConfigs(cfg) {
  fs.mkdirSync(cfg.logDirs, { recursive: true });
  // Rewritten on every start so that port changes via env vars take effect;
  // nothing here is baked into the formatted storage except node.id.
  const props = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${cfg.host}:${cfg.controllerPort}`,
    listeners: `PLAINTEXT://${cfg.host}:${cfg.port},CONTROLLER://${cfg.host}:${cfg.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${cfg.host}:${cfg.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': cfg.logDirs,
    // Single node: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    // Tests create consumer groups constantly; the default 3 s delay would be
    // added to every first join.
    'group.initial.rebalance.delay.ms': 0,
    'num.partitions': 3,
    // Topics must be created explicitly (as in production), so a typo in a
    // topic name fails instead of silently creating a new topic.
    'auto.create.topics.enable': false,
  };
  const body = Object.entries(props)
    .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`)
    .join('\n');
  fs.writeFileSync(
    cfg.configFile,
    `# Generated by scripts/kafka.mjs; edits are overwritten on start.\n${body}\n`,
  );

  // Console-only logging: stdout of the detached broker is redirected to
  // broker.log, so a single file holds everything needed for diagnosis.
  fs.writeFileSync(
    cfg.log4jFile,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.state.change.logger=WARN',
      'log4j.logger.kafka.request.logger=WARN',
      'log4j.logger.org.apache.kafka.clients=WARN',
      '',
    ].join('\n'),
  );
}

function jvmBaseArgs(cfg) {
  return [
    ...cfg.heapOpts,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(cfg.log4jFile).href}`,
    `-Dkafka.logs.dir=${cfg.dataDir}`,
    '-cp',
    path.join(cfg.libsDir, '*'), // expanded by the JVM itself, not by a shell
  ];
}

/** Kafka cluster ids are 16 random bytes in unpadded base64url (see o.a.k.common.Uuid). */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka rejects ids starting with '-' since they look like CLI flags.
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorageIfNeeded(cfg, java) {
  // meta.properties is what StorageTool writes; its presence means the
  // directory already belongs to a cluster and must not be re-formatted.
  if (fs.existsSync(path.join(cfg.logDirs, 'meta.properties'))) return;
  const clusterId = randomClusterId();
  cfg.log(`formatting KRaft storage in ${cfg.logDirs} (cluster id ${clusterId})`);
  const r = await run(
    java,
    [
      ...jvmBaseArgs({ ...cfg, heapOpts: ['-Xmx256m'] }),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      cfg.configFile,
    ],
    { capture: true },
  );
  if (r.code !== 0) throw new Error(`kafka-storage format failed (exit ${r.code}):\n${r.out}`);
}

// ---------------------------------------------------------------------------
// Readiness probe: a raw Kafka protocol exchange (no client library needed).
// An open TCP port is not enough: the broker binds its listener before it has
// caught up with the metadata log and been unfenced, and clients connecting in
// that window get errors. Metadata listing this broker means it is serving.
// ---------------------------------------------------------------------------

function encodeRequest(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('kafka.mjs');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/**
 * Sends ApiVersions v0 then Metadata v4 (both non-flexible, supported by every
 * broker from 1.0 through 4.x) and resolves with the advertised broker list.
 */
export function probeKafka(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    let buf = Buffer.alloc(0);
    let apiVersionsOk = false;
    const done = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
    socket.on('error', (err) => done({ ok: false, error: err.code ?? err.message }));
    socket.on('close', () => done({ ok: false, error: 'connection closed' }));
    socket.on('connect', () => {
      const metadataBody = Buffer.alloc(5); // topics: empty array (int32 0), allow_auto_topic_creation: false
      socket.write(
        Buffer.concat([encodeRequest(18, 0, 1, Buffer.alloc(0)), encodeRequest(3, 4, 2, metadataBody)]),
      );
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
          buf = buf.subarray(4 + frame.length);
          const correlationId = frame.readInt32BE(0);
          if (correlationId === 1) {
            const errorCode = frame.readInt16BE(4);
            if (errorCode !== 0) return done({ ok: false, error: `ApiVersions error ${errorCode}` });
            apiVersionsOk = true;
          } else if (correlationId === 2 && apiVersionsOk) {
            // throttle_time_ms, then brokers: [node_id, host, port, rack]
            let o = 8;
            const n = frame.readInt32BE(o);
            o += 4;
            const brokers = [];
            for (let i = 0; i < n; i++) {
              const nodeId = frame.readInt32BE(o);
              const hostLen = frame.readInt16BE(o + 4);
              const bHost = frame.toString('utf8', o + 6, o + 6 + hostLen);
              o += 6 + hostLen;
              const bPort = frame.readInt32BE(o);
              const rackLen = frame.readInt16BE(o + 4);
              o += 6 + Math.max(rackLen, 0);
              brokers.push({ nodeId, host: bHost, port: bPort });
            }
            return done(
              brokers.length ? { ok: true, brokers } : { ok: false, error: 'no brokers in metadata yet' },
            );
          } else {
            return done({ ok: false, error: `unexpected correlation id ${correlationId}` });
          }
        }
      } catch (err) {
        done({ ok: false, error: `malformed response: ${err.message}` });
      }
    });
  });
}

function isPortOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const finish = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

function tailFile(file, lines = 60) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no broker log)';
  }
}

// ---------------------------------------------------------------------------
// Process bookkeeping
// ---------------------------------------------------------------------------

function readPidFile(cfg) {
  try {
    return JSON.parse(fs.readFileSync(cfg.pidFile, 'utf8'));
  } catch {
    return null;
  }
}

/** True if pid is alive and (where /proc exists) really is a Kafka broker, not a recycled pid. */
function isOurBroker(pid) {
  if (!Number.isInteger(pid) || !isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return true; // no procfs (macOS): trust the pid file
  }
}

async function waitUntilReady(cfg, { pid, exited }) {
  const deadline = Date.now() + cfg.startTimeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exited?.() || !isAlive(pid)) {
      throw new Error(
        `Kafka broker (pid ${pid}) exited during start-up. Tail of ${cfg.brokerLog}:\n${tailFile(cfg.brokerLog)}`,
      );
    }
    const res = await probeKafka(cfg.host, cfg.port);
    if (res.ok) return res;
    last = res.error;
    await sleep(500);
  }
  throw new Error(
    `Kafka broker (pid ${pid}) not ready on ${cfg.host}:${cfg.port} after ${cfg.startTimeoutMs / 1000}s ` +
      `(last probe: ${last}). Tail of ${cfg.brokerLog}:\n${tailFile(cfg.brokerLog)}`,
  );
}

async function terminate(pid, log, graceMs = 30_000) {
  if (!isAlive(pid)) return;
  // SIGTERM lets Kafka flush and close its logs cleanly, which keeps the next
  // start fast (no log recovery) - worth waiting for.
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(200);
  }
  log(`broker pid ${pid} did not exit within ${graceMs / 1000}s, sending SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (isAlive(pid)) await sleep(100);
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Makes sure a broker is reachable and returns its bootstrap address.
 * `startedHere` is true only if this call launched the broker, so callers
 * (test runners) know whether they are responsible for stopping it.
 */
export async function ensureKafka(opts = {}) {
  const cfg = resolveConfig(opts);
  const { log } = cfg;
  if (cfg.externalBrokers) {
    log(`KAFKA_BROKERS is set, using existing broker(s) ${cfg.externalBrokers}; nothing started`);
    return { brokers: cfg.externalBrokers, startedHere: false };
  }
  const brokers = `${cfg.host}:${cfg.port}`;

  return withLock(cfg.lockFile, log, async () => {
    const state = readPidFile(cfg);
    if (state && isOurBroker(state.pid)) {
      if (state.port !== cfg.port) {
        throw new Error(
          `a broker started by this script is already running on port ${state.port} (pid ${state.pid}) ` +
            `with data dir ${cfg.dataDir}; run \`node scripts/kafka.mjs stop\` first`,
        );
      }
      // Either healthy (probe passes at once) or still starting up / stuck;
      // waiting covers the former two and reports the last.
      await waitUntilReady(cfg, { pid: state.pid });
      log(`reusing running broker (pid ${state.pid}) on ${brokers}`);
      return { brokers, startedHere: false };
    }
    if (state) fs.rmSync(cfg.pidFile, { force: true }); // stale: broker died or machine rebooted

    // A Kafka broker already answering on the port (e.g. started from another checkout) is reused as is.
    if ((await isPortOpen(cfg.host, cfg.port)) && (await probeKafka(cfg.host, cfg.port)).ok) {
      log(`a Kafka broker not started from this checkout answers on ${brokers}: using it`);
      return { brokers, startedHere: false };
    }
    for (const p of [cfg.port, cfg.controllerPort]) {
      if (await isPortOpen(cfg.host, p)) {
        throw new Error(
          `port ${cfg.host}:${p} is already in use by a process not started by this script. ` +
            'Stop it, choose other ports (KAFKA_PORT / KAFKA_CONTROLLER_PORT), or set KAFKA_BROKERS to use it.',
        );
      }
    }

    const java = findJava();
    await installKafka(opts);
    writeConfigs(cfg);
    await formatStorageIfNeeded(cfg, java);

    // Keep the previous run's log for post-mortems but do not let it grow forever.
    if (fs.existsSync(cfg.brokerLog)) fs.renameSync(cfg.brokerLog, `${cfg.brokerLog}.1`);
    const logFd = fs.openSync(cfg.brokerLog, 'a');
    const started = Date.now();
    log(
      `starting Kafka ${KAFKA_VERSION} on ${brokers} (controller ${cfg.host}:${cfg.controllerPort}), log: ${cfg.brokerLog}`,
    );
    // Detached + own stdio + unref: the broker must outlive this script (e.g.
    // `start` in one CI step, tests in the next) and not die with our terminal.
    const child = spawn(java, [...jvmBaseArgs(cfg), 'kafka.Kafka', cfg.configFile], {
      cwd: cfg.dataDir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    let exited = false;
    child.on('exit', () => (exited = true));
    const spawnError = await new Promise((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', resolve);
    });
    if (spawnError) throw new Error(`failed to launch ${java}: ${spawnError.message}`);
    child.unref();
    fs.writeFileSync(
      cfg.pidFile,
      JSON.stringify({
        pid: child.pid,
        port: cfg.port,
        controllerPort: cfg.controllerPort,
        startedAt: new Date().toISOString(),
      }),
    );

    try {
      await waitUntilReady(cfg, { pid: child.pid, exited: () => exited });
    } catch (err) {
      // Do not leave a half-started broker holding the ports and data dir.
      await terminate(child.pid, log, 5_000);
      fs.rmSync(cfg.pidFile, { force: true });
      throw err;
    }
    log(`broker ready (pid ${child.pid}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { brokers, startedHere: true };
  });
}

/** Stops the broker started by this script, if any. Resolves true if one was stopped. */
export async function stopKafka(opts = {}) {
  const cfg = resolveConfig(opts);
  const { log } = cfg;
  return withLock(cfg.lockFile, log, async () => {
    const state = readPidFile(cfg);
    if (!state || !isOurBroker(state.pid)) {
      fs.rmSync(cfg.pidFile, { force: true });
      log('no broker started by this script is running');
      return false;
    }
    log(`stopping broker (pid ${state.pid}) ...`);
    const started = Date.now();
    await terminate(state.pid, log);
    fs.rmSync(cfg.pidFile, { force: true });
    log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return true;
  });
}

/** Reports whether our broker is running and answering the Kafka protocol. */
export async function kafkaStatus(opts = {}) {
  const cfg = resolveConfig(opts);
  const state = readPidFile(cfg);
  if (!state || !isOurBroker(state.pid)) return { running: false };
  const probe = await probeKafka(cfg.host, state.port);
  return { running: true, ready: probe.ok, pid: state.pid, brokers: `${cfg.host}:${state.port}` };
}

/** Stops the broker and wipes its data dir (topics, offsets, cluster id). */
export async function resetKafka(opts = {}) {
  const cfg = resolveConfig(opts);
  await stopKafka(opts);
  // Guard against a misconfigured KAFKA_DATA_DIR pointing at something precious.
  const forbidden = [path.parse(cfg.dataDir).root, os.homedir(), REPO_ROOT].map((p) => path.resolve(p));
  if (forbidden.includes(cfg.dataDir)) throw new Error(`refusing to delete ${cfg.dataDir}`);
  fs.rmSync(cfg.dataDir, { recursive: true, force: true });
  cfg.log(`deleted ${cfg.dataDir}`);
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

async function main(argv) {
  const cmd = argv[0];
  switch (cmd) {
    case 'install':
      await installKafka();
      return 0;
    case 'start': {
      const { brokers } = await ensureKafka();
      process.stdout.write(`KAFKA_BROKERS=${brokers}\n`);
      return 0;
    }
    case 'stop':
      await stopKafka();
      return 0;
    case 'status': {
      const s = await kafkaStatus();
      process.stdout.write(
        s.running
          ? `running (pid ${s.pid}, ${s.brokers}${s.ready ? '' : ', not answering yet'})\n`
          : 'not running\n',
      );
      return 0;
    }
    case 'reset':
      await resetKafka();
      return 0;
    default:
      process.stderr.write(
        'usage: node scripts/kafka.mjs <install|start|stop|status|reset>\n' +
          '  see scripts/README.md for environment variables\n',
      );
      return cmd === undefined || cmd === '-h' || cmd === '--help' ? 0 : 2;
  }
}

const invokedDirectly =
  process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      defaultLog(`ERROR: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
