/**
 * RubricEditor in jsdom: levels keep their urn:uuid ids through add, move and remove (results in
 * issued credentials point at them), the parent sees every change through bind:levels, the order
 * buttons stop at the ends, and the core's message for a level shows at its field.
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import RubricHarness from './RubricHarness.svelte';

type Level = { id: string; name: string; description: string; points: string };
const bound = (): Level[] => JSON.parse(screen.getByTestId('bound').textContent ?? '[]') as Level[];
const names = () => bound().map((l) => l.name);

describe('RubricEditor', () => {
  it('adds a level with a fresh urn:uuid id, focuses its name and announces it', async () => {
    render(RubricHarness, { names: ['Beginning', 'Proficient'] });
    const before = bound();
    expect(before.map((l) => l.id)).toEqual([expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/), expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/)]);
    await fireEvent.click(screen.getByRole('button', { name: 'Add a level' }));
    const after = bound();
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2)).toEqual(before);
    expect(new Set(after.map((l) => l.id)).size).toBe(3);
    await Promise.resolve();
    expect(document.activeElement).toBe(screen.getByLabelText('Level 3 name'));
    expect(screen.getByRole('status').textContent).toBe('Level 3 added.');
    await fireEvent.input(screen.getByLabelText('Level 3 name'), { target: { value: 'Exemplary' } });
    expect(names()).toEqual(['Beginning', 'Proficient', 'Exemplary']);
  });

  it('moves levels up and down without changing their ids, and stops at the ends', async () => {
    render(RubricHarness, { names: ['Beginning', 'Exemplary', 'Proficient'] });
    const ids = Object.fromEntries(bound().map((l) => [l.name, l.id]));
    expect((screen.getByRole('button', { name: 'Move Beginning up' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Move Proficient down' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Move Proficient up' }));
    expect(names()).toEqual(['Beginning', 'Proficient', 'Exemplary']);
    for (const l of bound()) expect(l.id).toBe(ids[l.name]);
    // The inputs follow their level (keyed by id), so the labels say the new positions.
    expect((screen.getByLabelText('Level 2 name') as HTMLInputElement).value).toBe('Proficient');
    expect(screen.getByRole('status').textContent).toBe('Proficient moved up to position 2.');
    await Promise.resolve();
    expect(document.activeElement?.id).toBe('lv-1-up');
    await fireEvent.click(screen.getByRole('button', { name: 'Move Beginning down' }));
    expect(names()).toEqual(['Proficient', 'Beginning', 'Exemplary']);
  });

  it('removes a level and leaves the others as they were', async () => {
    render(RubricHarness, { names: ['Beginning', 'Proficient', 'Exemplary'] });
    const [first, , last] = bound();
    await fireEvent.click(screen.getByRole('button', { name: 'Remove Proficient' }));
    expect(bound()).toEqual([first, last]);
    expect(screen.getByRole('status').textContent).toBe('Removed Proficient.');
    await fireEvent.click(screen.getByRole('button', { name: 'Remove Beginning' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove Exemplary' }));
    expect(bound()).toEqual([]);
    expect(screen.getByText(/No levels yet/)).toBeTruthy();
  });

  it("shows the core's message for a level at its name field", () => {
    render(RubricHarness, { names: ['Beginning', ''], errors: { '$.resultDescription[0].rubricCriterionLevel[1].name': 'must NOT have fewer than 1 characters' } });
    const input = screen.getByLabelText('Level 2 name');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const msg = document.getElementById(input.getAttribute('aria-describedby') ?? '');
    expect(msg?.textContent).toBe('must NOT have fewer than 1 characters');
    expect(screen.getByLabelText('Level 1 name').getAttribute('aria-invalid')).toBe('false');
  });
});
