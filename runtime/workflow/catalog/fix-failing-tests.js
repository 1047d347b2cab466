export const meta = {
  name: 'fix-failing-tests',
  description: 'Runs the test command, diagnoses each failure in parallel, applies the fixes one at a time, and runs the tests again.',
  whenToUse: 'Tests fail and the failures look independent.',
  phases: [
    { title: 'Run', detail: 'the test command, failures listed' },
    { title: 'Diagnose', detail: 'one agent per failure, in parallel, read-only' },
    { title: 'Fix', detail: 'the fixes applied one after another' },
    { title: 'Re-run', detail: 'the test command again' },
  ],
  args: { command: 'the test command as an argv array, e.g. ["npm", "test"]' },
};

const command = args && args.command;
if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === 'string')) {
  throw new Error('fix-failing-tests needs the test command as an argv array: args = { command: ["npm", "test"] }');
}
const maxFailures = 8;
const report = {
  type: 'object',
  properties: {
    failures: {
      type: 'array',
      items: {
        type: 'object',
        properties: { test: { type: 'string' }, file: { type: 'string' }, error: { type: 'string' } },
        required: ['test', 'error'],
      },
    },
  },
  required: ['failures'],
};
const runTests = (label) => agent(
  `Run the tests with run_command ${JSON.stringify(command)}. List every failing test with ` +
    'its file (when the output names it) and its error message. Change nothing.',
  { label, tools: ['run_command'], schema: report });

phase('Run');
const before = await runTests('run tests');
if (!before) {
  throw new Error('the tests could not be run');
}
if (before.failures.length === 0) {
  return { fixed: [], before: [], after: [], note: 'No test fails.' };
}
const failures = before.failures.slice(0, maxFailures);
log(`${before.failures.length} failing; diagnosing ${failures.length}`);

phase('Diagnose');
const diagnoses = await parallel(failures.map((f) => () => agent(
  `This test fails:\n${f.test}${f.file ? ` (${f.file})` : ''}\n${f.error}\n\n` +
    'Find the cause by reading the test and the code it covers. Do not edit anything. ' +
    'Say whether the code or the test is wrong, and the smallest fix.',
  {
    label: `diagnose: ${f.test}`,
    tools: ['read_file', 'search', 'list_dir'],
    schema: {
      type: 'object',
      properties: { cause: { type: 'string' }, fix: { type: 'string' },
                    files: { type: 'array', items: { type: 'string' } } },
      required: ['cause', 'fix'],
    },
  })));

phase('Fix');
const fixed = [];
for (let i = 0; i < failures.length; i++) {
  const d = diagnoses[i];
  if (!d) {
    continue;
  }
  const done = await agent(
    `Apply this fix for the failing test ${failures[i].test}:\n${d.fix}\n\nCause: ${d.cause}\n` +
      'Change only what the fix needs.',
    { label: `fix: ${failures[i].test}`, tools: ['read_file', 'edit_file', 'write_file', 'search'] });
  if (done !== null) {
    fixed.push({ test: failures[i].test, cause: d.cause, fix: d.fix });
  }
}

phase('Re-run');
const after = await runTests('re-run tests');
return { fixed, before: before.failures, after: after ? after.failures : null };
