import { createShare, expect, screenshot, test } from './fixtures';

test('create a share: three links with copy buttons and QR codes, kept after a reload', async ({
  page,
  context,
  pageErrors,
}) => {
  await page.goto('/');
  await expect(page.getByText('No shares yet.')).toBeVisible();
  await screenshot(page, 'shares-list-empty');
  await page.getByRole('button', { name: 'Create a share' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create a share' })).toBeFocused();
  await screenshot(page, 'create-share');

  const links = await createShare(page, 'Holiday photos');
  const origin = new URL(page.url()).origin;
  expect(links.write).toMatch(new RegExp(`^${origin}/#pfwrite1[02-9ac-hj-np-z]{59}$`));
  expect(links.read).toMatch(new RegExp(`^${origin}/#pfread1[02-9ac-hj-np-z]{110}$`));
  expect(links.store).toMatch(new RegExp(`^${origin}/#pfstore1[02-9ac-hj-np-z]{59}$`));
  await expect(page.getByText('Your role: Write.')).toBeVisible();

  for (const role of ['Write', 'Read', 'Store']) {
    const card = page.getByRole('region', { name: `${role} link` });
    await card.getByRole('button', { name: 'Show QR code' }).click();
    await expect(
      card.getByRole('img', { name: `QR code of the ${role.toLowerCase()} link` }),
    ).toBeVisible();
  }
  await screenshot(page, 'share-page-write');

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy read link' }).click();
  await expect(page.getByRole('region', { name: 'Read link' }).getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(links.read);

  await page.reload();
  await page.getByRole('button', { name: /Holiday photos/ }).click();
  await expect(page.getByRole('textbox', { name: 'Write link', exact: true })).toHaveValue(
    links.write,
  );
  expect(pageErrors).toEqual([]);
});

test('a Read link opened in another browser shows the Read role and no Write link', async ({
  page,
  otherContext,
}) => {
  const links = await createShare(page);
  const reader = await otherContext.newPage();
  await reader.goto(links.read);
  await expect(reader.getByText('Share added.')).toBeVisible();
  await expect(reader.getByText('Your role: Read.')).toBeVisible();
  await expect(reader.getByRole('textbox', { name: 'Read link', exact: true })).toHaveValue(
    links.read,
  );
  await expect(reader.getByRole('textbox', { name: 'Store link', exact: true })).toHaveValue(
    links.store,
  );
  await expect(reader.getByRole('textbox', { name: 'Write link', exact: true })).toHaveCount(0);
  await expect(reader.getByText(/pfwrite1/)).toHaveCount(0);
  await screenshot(reader, 'share-page-read');

  // The Store link gives no Read link either; opening the Write link later upgrades the share.
  const store = await otherContext.newPage();
  await store.goto(links.store);
  await expect(store.getByText('You already have this share.')).toBeVisible();
  await store.goto('/');
  await store.getByRole('textbox', { name: 'Open a link you were given' }).fill(links.write);
  await store.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(store.getByText('You now have Write access.')).toBeVisible();
  await expect(store.getByRole('textbox', { name: 'Write link', exact: true })).toHaveValue(
    links.write,
  );
});

test('a Store link shows only the Store link and needs no folder', async ({
  page,
  otherContext,
}) => {
  const links = await createShare(page);
  const keeper = await otherContext.newPage();
  await keeper.goto(links.store);
  await expect(keeper.getByText('Your role: Store.')).toBeVisible();
  await expect(keeper.getByText('A Store copy needs no folder')).toBeVisible();
  await expect(keeper.getByRole('textbox', { name: /link$/ })).toHaveCount(1);
  await expect(keeper.getByRole('textbox', { name: 'Store link', exact: true })).toHaveValue(
    links.store,
  );
});

test('leave a share: asks first, Cancel keeps it, Leave forgets it', async ({ page }) => {
  await createShare(page, 'To leave');
  await page.getByRole('button', { name: 'Leave this share…' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Leave “To leave”?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Leave share' })).toBeFocused();
  await screenshot(page, 'leave-confirm');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Leave this share…' })).toBeFocused();

  await page.getByRole('button', { name: 'Leave this share…' }).click();
  await page.getByRole('button', { name: 'Leave share' }).click();
  await expect(page.getByText('You left “To leave”.')).toBeVisible();
  await page.reload();
  await expect(page.getByText('No shares yet.')).toBeVisible();
});
