{
  "name": "@nhs-hub/__name__",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "main": "src/index.ts",
  "scripts": {
    "start": "node --import tsx src/server.ts",
    "test": "vitest run"
  },
  "dependencies": {
    "@nhs-hub/kit": "*",
    "zod": "4.6.7"
  },
  "devDependencies": {
    "@nhs-hub/geography": "*"
  }
}
