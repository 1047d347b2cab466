export const meta = {
  name: 'multi-review',
  description: "Reviews the working tree's diff with four reviewers in parallel (correctness, security, tests, style) and merges their findings into one report with severities.",
  whenToUse: 'Before a commit or a pull request.',
  phases: [
    { title: 'Review', detail: 'four reviewers read the diff in parallel' },
    { title: 'Merge', detail: 'one report, duplicates merged, by severity' },
  ],
  args: { base: 'what to diff against (default: HEAD)', focus: 'anything to look at closely (optional)' },
};

const base = (args && typeof args.base === 'string' && args.base) || 'HEAD';
const focus = args && typeof args.focus === 'string' ? `\nLook closely at: ${args.focus}` : '';
const aspects = [
  { name: 'correctness', ask: 'bugs: wrong logic, edge cases, error handling, races, resource leaks' },
  { name: 'security', ask: 'injection, path traversal, secrets, unsafe input handling, permissions' },
  { name: 'tests', ask: 'changed behaviour without tests, tests that cannot fail, missing fault cases' },
  { name: 'style', ask: 'naming, duplication, dead code, files mixing jobs, unclear comments' },
];
const finding = {
  type: 'object',
  properties: {
    severity: { enum: ['critical', 'high', 'medium', 'low'] },
    file: { type: 'string' },
    line: { type: 'integer' },
    title: { type: 'string' },
    detail: { type: 'string' },
  },
  required: ['severity', 'file', 'title', 'detail'],
};
const findings = { type: 'object', properties: { findings: { type: 'array', items: finding } },
                   required: ['findings'] };

phase('Review');
const reviews = await parallel(aspects.map((aspect) => () => agent(
  `Review the changes in the working tree for ${aspect.name}: ${aspect.ask}.${focus}\n\n` +
    `See them with run_command ["git", "diff", "${base}"] (and ["git", "status", "--short"] ` +
    'for new files); read the files around them. Report each problem once, with the file ' +
    'and line. Do not change anything.',
  { label: `review: ${aspect.name}`, tools: ['run_command', 'read_file', 'search', 'list_dir'],
    schema: findings })));

const all = reviews.flatMap((r, i) => (r ? r.findings.map((f) => ({ ...f, aspect: aspects[i].name })) : []));
const missing = aspects.filter((_, i) => !reviews[i]).map((a) => a.name);
if (missing.length > 0) {
  log(`no review for: ${missing.join(', ')}`);
}

phase('Merge');
const merged = await agent(
  'Merge these code review findings into one report: merge duplicates, keep the most severe ' +
    'severity of a merged finding, order by severity, and write a two-sentence summary.\n\n' +
    JSON.stringify(all, null, 2),
  {
    label: 'merge',
    tools: [],
    schema: {
      type: 'object',
      properties: { summary: { type: 'string' }, findings: { type: 'array', items: finding } },
      required: ['summary', 'findings'],
    },
  });

return merged ?? { summary: 'The reviews could not be merged; here they are unmerged.', findings: all,
                   missing };
