import { expect, linksFromCore, screenshot, test } from './fixtures';

// Each bad link gets one clear message naming what is wrong and what to do; the page keeps
// working, and the bad fragment is gone from the address bar too.
const cases = [
  {
    name: 'truncated',
    damage: (link: string) => link.slice(0, -7),
    says: /Read link is truncated: 7 of 110 characters missing/,
  },
  {
    name: 'mistyped',
    damage: (link: string) => link.slice(0, -3) + (link.endsWith('qqq') ? 'ppp' : 'qqq'),
    says: /checksum does not match: a character is mistyped or missing/,
  },
  {
    name: 'not a capability',
    damage: (link: string) => `${new URL(link).origin}/#hello-world`,
    says: /Not a Peerfold link/,
  },
  {
    name: 'cut after the prefix',
    damage: (link: string) => `${new URL(link).origin}/#pfread1`,
    says: /Read link is truncated: 110 of 110 characters missing/,
  },
  {
    name: 'cut inside the prefix',
    damage: (link: string) => `${new URL(link).origin}/#pfread`,
    says: /Link is truncated after "pfread"/,
  },
];

for (const { name, damage, says } of cases) {
  test(`a ${name} link shows a clear message and no crash`, async ({ page: visitor, baseURL }) => {
    const links = await linksFromCore(baseURL!);
    await visitor.goto(damage(links.read));
    const alert = visitor.getByRole('alert');
    await expect(alert).toContainText('This link could not be opened.');
    await expect(alert).toContainText(says);
    await expect(alert).toContainText('Ask the person who sent it to send the whole link again');
    expect(visitor.url()).toBe(`${new URL(links.read).origin}/`);
    await expect(visitor.getByText('No shares yet.')).toBeVisible();
    if (name === 'truncated') await screenshot(visitor, 'bad-link');

    // Still usable: the message goes away and a good link opens.
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await expect(visitor.getByRole('alert')).toHaveCount(0);
    await visitor.goto(links.read);
    await expect(visitor.getByText('Your role: Read.')).toBeVisible();
  });
}

test('a bad capability pasted into the form gets the same message', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('textbox', { name: 'Open a link you were given' }).fill('pfstore1abc');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Store link is truncated');
  await expect(page.getByRole('textbox', { name: 'Open a link you were given' })).toHaveValue('');
});
