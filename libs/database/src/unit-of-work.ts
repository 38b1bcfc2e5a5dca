import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

interface ActiveUnit {
  readonly dataSource: DataSource;
  readonly manager: EntityManager;
  readonly afterCommit: (() => void)[];
}

const activeUnit = new AsyncLocalStorage<ActiveUnit>();

/**
 * A database transaction that follows the async call chain (AsyncLocalStorage), so repositories join it
 * without passing managers around. Repositories own SQL; they take `manager` from here. Several services in
 * one process (embedded mode) each have their own DataSource: a unit is only joined by its own DataSource.
 */
export class UnitOfWork {
  constructor(readonly dataSource: DataSource) {}

  /** The active transaction's manager, or the DataSource's default manager outside a unit of work. */
  get manager(): EntityManager {
    return this.current()?.manager ?? this.dataSource.manager;
  }

  get isActive(): boolean {
    return this.current() !== undefined;
  }

  /** Runs `work` in a transaction (joining the active one if any); after-commit hooks run after COMMIT. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const existing = this.current();
    if (existing) return work(existing.manager);
    const hooks: (() => void)[] = [];
    const result = await this.dataSource.transaction((manager) =>
      activeUnit.run({ dataSource: this.dataSource, manager, afterCommit: hooks }, () => work(manager)),
    );
    for (const hook of hooks) hook();
    return result;
  }

  /** Registers a hook for after the active unit commits; runs at once outside a unit of work. */
  afterCommit(hook: () => void): void {
    const unit = this.current();
    if (unit) unit.afterCommit.push(hook);
    else hook();
  }

  private current(): ActiveUnit | undefined {
    const unit = activeUnit.getStore();
    return unit && unit.dataSource === this.dataSource ? unit : undefined;
  }
}
