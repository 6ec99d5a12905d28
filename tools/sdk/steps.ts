// Shared by the TypeScript scenarios: each step prints "ok" or throws, naming itself.

export interface Outcome<T, E> {
  data?: T;
  error?: E;
  response?: Response;
}

export interface ProblemLike {
  status: number;
  code: string;
  errors?: { field: string }[];
}

export const CITIES = ["Berlin", "Paris", "Rome", "Madrid", "Lisbon", "Vienna", "Prague"];

export function expectData<T, E>(step: string, outcome: Outcome<T, E>, status: number): T {
  if (outcome.response?.status !== status || outcome.data === undefined) {
    throw new Error(`${step}: expected ${status}, got ${outcome.response?.status} ${JSON.stringify(outcome.error)}`);
  }
  console.log(`ok  ${step}`);
  return outcome.data;
}

export function expectEmpty<T, E>(step: string, outcome: Outcome<T, E>): void {
  if (outcome.response?.status !== 204) {
    throw new Error(`${step}: expected 204, got ${outcome.response?.status}`);
  }
  console.log(`ok  ${step}`);
}

export function expectProblem<T, E extends ProblemLike>(
  step: string,
  outcome: Outcome<T, E>,
  status: number,
  code: string,
): E {
  const problem = outcome.error;
  if (outcome.response?.status !== status || problem === undefined || problem.status !== status || problem.code !== code) {
    throw new Error(`${step}: expected problem ${status} ${code}, got ${outcome.response?.status} ${JSON.stringify(problem)}`);
  }
  if (outcome.response?.headers.get("content-type") !== "application/problem+json") {
    throw new Error(`${step}: a problem must be application/problem+json`);
  }
  console.log(`ok  ${step}`);
  return problem;
}

export function check(step: string, condition: boolean, detail: unknown): void {
  if (!condition) {
    throw new Error(`${step}: ${JSON.stringify(detail)}`);
  }
  console.log(`ok  ${step}`);
}

// Where the server is and its superadmin, from SDK_BASE_URL, SDK_ADMIN_EMAIL, SDK_ADMIN_PASSWORD
// (the environment, so the password never shows in a process list or a log).
export function serverUnderTest(): [string, string, string] {
  const { SDK_BASE_URL: base, SDK_ADMIN_EMAIL: email, SDK_ADMIN_PASSWORD: password } = process.env;
  if (!base || !email || !password) {
    throw new Error("set SDK_BASE_URL, SDK_ADMIN_EMAIL and SDK_ADMIN_PASSWORD");
  }
  return [base, email, password];
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}
