// The house breaking-change ruleset for Optic (`make breaking`): Optic's standard
// breaking-changes rules, with one deliberate difference. Adding a value to a RESPONSE enum is
// not breaking here: the spec tells clients to accept values they do not know (info.description,
// "Evolution"), so a new site status or role reaches old clients as an unknown string. Every
// other enum rule stays: removing a value a request accepted, adding an enum or const to a
// request property that had none, and removing an enum from a response property all fail.
// Like Optic's own ruleset, it does not run when info.version changes major (a declared break).
const { OperationRule, PropertyRule, Ruleset, RuleError } = require("@useoptic/rulesets-base");
const { BreakingChangesRuleset } = require("@useoptic/standard-rulesets");
const unions = require("@useoptic/standard-rulesets/build/breaking-changes/helpers/unions");

const REPLACED = "request and response property enums";
const OPEN = Symbol("no enum");

function values(schema) {
  if (schema && Array.isArray(schema.enum)) return schema.enum;
  if (schema && "const" in schema) return [schema.const];
  return OPEN;
}

function inUnion(side) {
  return unions.isInUnionProperty(side.location.jsonPath) || unions.schemaIsUnion(side.value.flatSchema);
}

const propertyEnums = new PropertyRule({
  name: "property enums (new response values allowed)",
  matches: (property) => values(property.raw) !== OPEN,
  rule: (property) => {
    property.changed((before, after) => {
      if (inUnion(before) || inUnion(after)) return;
      const inRequest = "inRequest" in after.location.conceptualLocation;
      const old = values(before.raw);
      const now = values(after.raw);
      if (old === OPEN && now === OPEN) return;
      if (old === OPEN) {
        if (inRequest) throw new RuleError({ message: `cannot add an enum or const to request property ${after.value.key}` });
        return;
      }
      if (now === OPEN) {
        if (!inRequest) throw new RuleError({ message: `cannot remove the enum from response property ${after.value.key}` });
        return;
      }
      const removed = old.filter((value) => !now.includes(value));
      if (inRequest && removed.length) {
        throw new RuleError({ message: `cannot remove enum value(s) '${removed.join(", ")}' from request property ${after.value.key}` });
      }
    });
  },
});

function rulesetConstructor() {
  const standard = new BreakingChangesRuleset();
  const rules = standard.rules.filter((rule) => rule.name !== REPLACED);
  if (rules.length !== standard.rules.length - 1) {
    throw new Error(`Optic's breaking-changes ruleset no longer has the rule "${REPLACED}"`);
  }
  return new Ruleset({
    name: "orgsites breaking changes",
    rules: [...rules, propertyEnums],
    matches: (context) => context.specification.versionChange !== "major",
  });
}

module.exports = { configSchema: { type: "object" }, rulesetConstructor, OperationRule };
