// A real OpenID Connect provider on loopback for appgov's single sign-on
// test (crates/appgov-cli/tests/web_oidc.rs): the certified `oidc-provider`
// package with its development interactions (any login and password sign
// in; the login becomes the subject).
//
//   node web/test/oidc-provider.mjs --port=N --client_id=ID \
//        --client_secret=S --redirect_uri=URL
//
// Prints "oidc-provider ready ISSUER" once it listens on 127.0.0.1:N.
//
// For the refusal tests it can be told, at GET /__test/mode?set=MODE, to
// re-sign the ID token it issues — with its own key, so only the claim in
// question is wrong: `audience` (aud names another client), `expired` (exp
// in the past), `nonce` (another nonce); `normal` turns that off.

import Provider from "oidc-provider";
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from "jose";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, "").split("=");
    return [k, v.join("=")];
  }),
);
for (const k of ["port", "client_id", "client_secret", "redirect_uri"]) {
  if (!args[k]) {
    console.error(`oidc-provider.mjs: --${k}= is required`);
    process.exit(2);
  }
}

const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const KID = "appgov-test-key";
const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: KID, use: "sig", alg: "RS256" };

let mode = "normal";

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args.client_id,
      client_secret: args.client_secret,
      redirect_uris: args.redirect_uri.split(","),
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  // Scope claims in the ID token too, as institutions' providers do.
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@bank.example`,
          email_verified: true,
          name: `SSO ${id}`,
          preferred_username: id,
        };
      },
    };
  },
  cookies: { keys: ["loopback-test-only-cookie-key"] },
});

provider.use(async (ctx, next) => {
  if (ctx.path === "/__test/mode") {
    mode = String(ctx.query.set || "normal");
    ctx.body = `mode ${mode}`;
    return;
  }
  await next();
  if (
    mode !== "normal" &&
    ctx.path === "/token" &&
    ctx.status === 200 &&
    ctx.body &&
    typeof ctx.body === "object" &&
    ctx.body.id_token
  ) {
    const claims = decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (mode === "audience") claims.aud = "another-client";
    if (mode === "expired") {
      claims.iat = now - 7200;
      claims.exp = now - 3600;
    }
    if (mode === "nonce") claims.nonce = "not-the-nonce-appgov-sent";
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
      .sign(privateKey);
    ctx.body = { ...ctx.body, id_token: idToken };
  }
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider ready ${issuer}`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
