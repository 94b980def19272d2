{
  "name": "@nhs-hub/__name__",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "exports": {
    ".": {
      "@nhs-hub/source": "./src/index.ts",
      "default": "./dist/index.js"
    }
  },
  "scripts": {
    "start": "node dist/server.js",
    "dev": "node --conditions=@nhs-hub/source --import tsx src/server.ts",
    "migrate": "node dist/server.js migrate",
    "test": "vitest run"
  },
  "dependencies": {
    "@nhs-hub/kit": "*",
    "zod": "4.6.7"
  },
  "devDependencies": {
    "@nhs-hub/gateway": "*",
    "@nhs-hub/geography": "*"
  }
}
