export * from './dataset';
export * from './report';
export * from './gate';
export * from './tool-runner';
export * from './replay-engine';
export * from './policy';
