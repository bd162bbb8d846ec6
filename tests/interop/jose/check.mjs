// Node jose, a second JOSE implementation independent of PyJWT, driven by
// tests/interop/asymmetric.py (which installs jose from package-lock.json
// with `npm ci` into a directory under target/, copies this file there and
// runs it from there, so that `import "jose"` finds that node_modules).
//
//   node check.mjs verify-remote JWKS-URL ALG TOKEN
//       createRemoteJWKSet + jwtVerify(token, jwks, {algorithms: [ALG]});
//       prints {"ok":true,"header":{...},"payload":{...}} and exits 0, or
//       {"ok":false,"error":"CODE: message"} and exits 1.
//   node check.mjs sign ALG PKCS8-PEM-FILE KID PAYLOAD-JSON
//       importPKCS8 + SignJWT(payload).setProtectedHeader({alg, kid, typ:
//       "JWT"}); prints the token and exits 0.
//   node check.mjs version
//       prints jose's installed version.

import { readFileSync } from "node:fs";
import { createRemoteJWKSet, importPKCS8, jwtVerify, SignJWT } from "jose";

const [cmd, ...args] = process.argv.slice(2);

async function main() {
  switch (cmd) {
    case "verify-remote": {
      const [url, alg, token] = args;
      const jwks = createRemoteJWKSet(new URL(url));
      try {
        const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: [alg] });
        console.log(JSON.stringify({ ok: true, header: protectedHeader, payload }));
        return 0;
      } catch (e) {
        console.log(JSON.stringify({ ok: false, error: `${e.code ?? e.name}: ${e.message}` }));
        return 1;
      }
    }
    case "sign": {
      const [alg, pemFile, kid, payloadJson] = args;
      const key = await importPKCS8(readFileSync(pemFile, "utf8"), alg);
      const token = await new SignJWT(JSON.parse(payloadJson))
        .setProtectedHeader({ alg, kid, typ: "JWT" })
        .sign(key);
      console.log(token);
      return 0;
    }
    case "version": {
      // jose's package.json is not among its exports; read it from the
      // node_modules next to this file (where asymmetric.py installs it).
      const pkg = new URL("./node_modules/jose/package.json", import.meta.url);
      console.log(JSON.parse(readFileSync(pkg, "utf8")).version);
      return 0;
    }
    default:
      console.error(`check.mjs: unknown command ${cmd ?? "(none)"}`);
      return 2;
  }
}

process.exitCode = await main();
