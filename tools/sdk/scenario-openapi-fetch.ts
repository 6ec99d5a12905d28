// A client team's scenario through openapi-typescript types and openapi-fetch (default settings),
// compiled with tsc --strict. Run by scripts/sdk.py against a live server.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./openapi-typescript/schema";
import { CITIES, serverUnderTest, check, expectData, expectEmpty, expectProblem, randomSuffix } from "./steps";

function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

async function main(): Promise<void> {
  const [baseUrl, adminEmail, adminPassword] = serverUnderTest();
  const anonymous = createClient<paths>({ baseUrl });
  const signIn = async (who: string, email: string, password: string) =>
    expectData(`sign in as ${who}`, await anonymous.POST("/api/v1/auth/login", { body: { email, password } }), 200).data;
  const as = (token: string) => {
    const client = createClient<paths>({ baseUrl });
    client.use(bearer(token));
    return client;
  };

  const admin = as((await signIn("the superadmin", adminEmail, adminPassword)).access_token);
  const org = expectData("create an organization", await admin.POST("/api/v1/organizations", { body: { name: "Fetch Corp" } }), 201).data;
  const orgPath = { org_id: org.id };
  const memberEmail = `fetch-${randomSuffix()}@example.com`;
  const memberPassword = `pw-${randomSuffix()}-${randomSuffix()}`;
  expectData("create a user", await admin.POST("/api/v1/users", { body: { email: memberEmail, password: memberPassword, full_name: "Sam" } }), 201);
  expectData("add the user as a member", await admin.POST("/api/v1/organizations/{org_id}/members", { params: { path: orgPath }, body: { email: memberEmail, role: "member" } }), 201);

  const sites = [];
  for (const city of CITIES) {
    const created = await admin.POST("/api/v1/organizations/{org_id}/sites", { params: { path: orgPath }, body: { name: city, timezone: `Europe/${city}` } });
    sites.push(expectData(`create site ${city}`, created, 201).data);
  }
  const page = expectData("list page 2 of the sites by name", await admin.GET("/api/v1/organizations/{org_id}/sites", { params: { path: orgPath, query: { page: 2, per_page: 5, sort: "name" } } }), 200);
  check("the second page holds the last two names", JSON.stringify(page.data.map((site) => site.name)) === JSON.stringify([...CITIES].sort().slice(5)) && page.meta.total === 7 && page.links.next === null, page);

  const [first, second] = [sites[0]!, sites[1]!];
  const updated = expectData("update a site", await admin.PATCH("/api/v1/organizations/{org_id}/sites/{site_id}", { params: { path: { ...orgPath, site_id: first.id } }, body: { status: "inactive" } }), 200).data;
  check("the update kept the other fields", updated.status === "inactive" && updated.timezone === "Europe/Berlin", updated);
  expectEmpty("delete a site", await admin.DELETE("/api/v1/organizations/{org_id}/sites/{site_id}", { params: { path: { ...orgPath, site_id: second.id } } }));
  expectProblem("404 for the deleted site", await admin.GET("/api/v1/organizations/{org_id}/sites/{site_id}", { params: { path: { ...orgPath, site_id: second.id } } }), 404, "site_not_found");

  const key = `oslo-${randomSuffix()}`;
  const createOslo = () => admin.POST("/api/v1/organizations/{org_id}/sites", { params: { path: orgPath, header: { "Idempotency-Key": key } }, body: { name: "Oslo", timezone: "Europe/Oslo" } });
  const oslo = expectData("create a site with an Idempotency-Key", await createOslo(), 201).data;
  const repeat = await createOslo();
  const again = expectData("repeat it with the same key", repeat, 201).data;
  check("the repeat replays the first answer", again.id === oslo.id && repeat.response.headers.get("idempotent-replayed") === "true", again);
  const osloPath = { ...orgPath, site_id: oslo.id };
  const etag = (await admin.GET("/api/v1/organizations/{org_id}/sites/{site_id}", { params: { path: osloPath } })).response.headers.get("etag") ?? "";
  const edit = (name: string) => admin.PATCH("/api/v1/organizations/{org_id}/sites/{site_id}", { params: { path: osloPath, header: { "If-Match": etag } }, body: { name } });
  expectData("change it with If-Match", await edit("Oslo HQ"), 200);
  expectProblem("412 for the second change with the same If-Match", await edit("Oslo 2"), 412, "precondition_failed");

  const memberTokens = await signIn("the member", memberEmail, memberPassword);
  const member = as(memberTokens.access_token);
  expectProblem("403 when a member creates a site", await member.POST("/api/v1/organizations/{org_id}/sites", { params: { path: orgPath }, body: { name: "Nope", timezone: "UTC" } }), 403, "permission_denied");
  const invalid = expectProblem("422 for a page size over 100", await admin.GET("/api/v1/organizations/{org_id}/sites", { params: { path: orgPath, query: { per_page: 1000 } } }), 422, "validation_failed");
  check("the 422 names the field", invalid.errors?.[0]?.field === "query.per_page", invalid);

  const refresh = (refresh_token: string) => anonymous.POST("/api/v1/auth/refresh", { body: { refresh_token } });
  const rotated = expectData("refresh the member's tokens", await refresh(memberTokens.refresh_token), 200).data;
  expectProblem("401 when a used refresh token is presented again", await refresh(memberTokens.refresh_token), 401, "refresh_token_reused");
  expectProblem("reuse revoked the whole session", await refresh(rotated.refresh_token), 401, "invalid_refresh_token");
  const session = await signIn("the member", memberEmail, memberPassword);
  expectEmpty("sign out", await anonymous.POST("/api/v1/auth/logout", { body: { refresh_token: session.refresh_token } }));
  expectProblem("the signed-out session cannot refresh", await refresh(session.refresh_token), 401, "invalid_refresh_token");
  console.log("openapi-fetch scenario passed");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
