export const meta = {
  name: 'deep-research',
  description: 'Answers a question about the codebase: scopes it, explores each area in parallel, verifies every claim against the code, and writes an answer with file references.',
  whenToUse: 'A question that needs many files read: how something works, where something happens, what a change would break.',
  phases: [
    { title: 'Scope', detail: 'split the question into areas to explore' },
    { title: 'Explore', detail: 'one agent per area, in parallel' },
    { title: 'Verify', detail: 'check each claim against the code it cites' },
    { title: 'Synthesize', detail: 'the answer, from verified claims only' },
  ],
  args: { question: 'the question to answer (string)' },
};

const question = typeof args === 'string' ? args : args && args.question;
if (typeof question !== 'string' || question.trim() === '') {
  throw new Error('deep-research needs a question: args = { question: "..." }');
}
const readOnly = ['list_dir', 'search', 'read_file'];
const maxClaims = 12;

phase('Scope');
const scope = await agent(
  `Plan research into this question about the code in the workspace:\n\n${question}\n\n` +
    'Look at the layout first (list_dir, search). Then name 2 to 5 distinct areas of the code ' +
    'to explore, each with what to look for there.',
  {
    label: 'scope',
    tools: readOnly,
    schema: {
      type: 'object',
      properties: {
        areas: {
          type: 'array', minItems: 1, maxItems: 5,
          items: {
            type: 'object',
            properties: { title: { type: 'string' }, focus: { type: 'string' } },
            required: ['title', 'focus'],
          },
        },
      },
      required: ['areas'],
    },
  });
if (!scope) {
  throw new Error('the scoping step did not finish');
}
log(`${scope.areas.length} areas: ${scope.areas.map((a) => a.title).join(', ')}`);

phase('Explore');
const findings = await parallel(scope.areas.map((area) => () => agent(
  `Question: ${question}\n\nExplore this area of the code: ${area.title}. ${area.focus}\n\n` +
    'Read the code. Report what you found as claims, each one sentence, each with the ' +
    'file:line references that show it. Report only what the code shows.',
  {
    label: `explore: ${area.title}`,
    tools: readOnly,
    schema: {
      type: 'object',
      properties: {
        claims: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              claim: { type: 'string' },
              references: { type: 'array', items: { type: 'string' } },
            },
            required: ['claim', 'references'],
          },
        },
      },
      required: ['claims'],
    },
  })));
const claims = findings.filter(Boolean).flatMap((f) => f.claims).slice(0, maxClaims);
log(`${claims.length} claims to verify`);

phase('Verify');
const verdicts = await pipeline(claims,
  (_, claim) => agent(
    `Verify this claim about the code by reading the files it cites (and others if needed):\n\n` +
      `Claim: ${claim.claim}\nReferences: ${claim.references.join(', ') || '(none)'}`,
    {
      label: 'verify',
      tools: readOnly,
      schema: {
        type: 'object',
        properties: {
          verdict: { enum: ['confirmed', 'refuted', 'unclear'] },
          note: { type: 'string' },
        },
        required: ['verdict'],
      },
    }),
  (verdict, claim) => ({ ...claim, verdict: verdict ? verdict.verdict : 'unclear',
                         note: verdict && verdict.note ? verdict.note : '' }));
const checked = verdicts.filter(Boolean);
const confirmed = checked.filter((c) => c.verdict === 'confirmed');

phase('Synthesize');
const answer = await agent(
  `Answer this question about the code: ${question}\n\n` +
    'Use only these verified claims, and cite their file references:\n' +
    JSON.stringify(confirmed, null, 2) +
    '\n\nSay plainly what the claims do not settle.',
  { label: 'synthesis', tools: [] });

return { question, answer, claims: checked };
