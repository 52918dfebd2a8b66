import { createShare, expect, screenshot, test } from './fixtures';

test('phone width (360 px): every screen fits without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const fits = async () =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );

  await page.goto('/');
  await fits();
  await screenshot(page, 'phone-shares-list-empty');
  await createShare(page, 'A rather long share name for a small phone screen');
  await page
    .getByRole('region', { name: 'Read link' })
    .getByRole('button', { name: 'Show QR code' })
    .click();
  await fits();
  await screenshot(page, 'phone-share-page');
  await page.getByRole('button', { name: '← All shares' }).click();
  await fits();
  await screenshot(page, 'phone-shares-list');
  await page.goto('/#pfread1qqqq');
  await expect(page.getByRole('alert')).toBeVisible();
  await fits();
  await screenshot(page, 'phone-bad-link');
});

test('keyboard only: create a share and reach its links', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Your shares' })).toBeFocused();
  const create = page.getByRole('button', { name: 'Create a share' });
  for (let i = 0; i < 10 && !(await create.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(create).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Create a share' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: 'Name' })).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Typed share');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Typed share' })).toBeFocused();

  const copyRead = page.getByRole('button', { name: 'Copy read link' });
  for (
    let i = 0;
    i < 20 && !(await copyRead.evaluate((el) => el === document.activeElement));
    i++
  ) {
    await page.keyboard.press('Tab');
  }
  await expect(copyRead).toBeFocused();
});

test('choose folder: the handle the picker returns is kept across a reload', async ({ page }) => {
  // The picker itself cannot be automated; it hands back a directory handle, and so does this
  // stand-in (an origin-private directory), through the same code path.
  await page.addInitScript(() => {
    Object.assign(window, {
      showDirectoryPicker: async () => {
        const root = await navigator.storage.getDirectory();
        return root.getDirectoryHandle('Holiday photos folder', { create: true });
      },
    });
  });
  await createShare(page, 'With a folder');
  await expect(page.getByText('No folder chosen yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(page.getByText('Chosen folder: Holiday photos folder')).toBeVisible();
  await page.reload();
  await page.getByRole('button', { name: /With a folder/ }).click();
  await expect(page.getByText('Chosen folder: Holiday photos folder')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose another folder…' })).toBeVisible();
  await screenshot(page, 'share-page-folder');
});

test('without a folder picker the page says the files live in private storage', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
  });
  await createShare(page, 'No picker');
  await expect(page.getByText('This browser cannot open a folder on your disk.')).toBeVisible();
  await expect(page.getByRole('button', { name: /Choose folder/ })).toHaveCount(0);
});

test('a folder whose permission lapsed gets one button to allow it again', async ({ page }) => {
  // After a reload Chromium answers `prompt` until the user clicks; the prompt itself cannot be
  // automated, so the handle's permission methods stand in for the browser's answers.
  await page.addInitScript(() => {
    Object.assign(window, {
      showDirectoryPicker: async () => {
        const root = await navigator.storage.getDirectory();
        return root.getDirectoryHandle('Lapsed', { create: true });
      },
    });
    const proto = FileSystemDirectoryHandle.prototype as unknown as Record<string, unknown>;
    let granted = false;
    proto.queryPermission = () => Promise.resolve(granted ? 'granted' : 'prompt');
    proto.requestPermission = () => {
      granted = true;
      return Promise.resolve('granted');
    };
  });
  await createShare(page, 'Lapsed permission');
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(page.getByText('Peerfold needs your permission again')).toBeVisible();
  await screenshot(page, 'share-page-permission');
  await page.getByRole('button', { name: 'Allow access to Lapsed' }).click();
  await expect(page.getByText('Peerfold needs your permission again')).toHaveCount(0);
  await expect(page.getByText('Chosen folder: Lapsed')).toBeVisible();
});
