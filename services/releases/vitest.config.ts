export { default } from '../../packages/kit/vitest.shared.ts';
