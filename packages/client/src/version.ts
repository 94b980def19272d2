// Written by `npm run compose` with package.json's version (docs/frontend.md): do not edit.
/** This package's version: that of the API schema it was generated from. */
export const CLIENT_VERSION = '1.2.0';
