/** The PostgreSQL schema the persistence service owns. */
export const PERSISTENCE_SCHEMA = 'persistence';
