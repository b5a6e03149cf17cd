import { SiphonError } from '../errors.js';

/** A dashboard asset the package should ship is missing (a broken install), named with where it was looked for. */
export class DashboardAssetError extends SiphonError {
  constructor(asset: string, path: string) {
    super('DASHBOARD_ASSET_MISSING', `dashboard asset ${asset} not found at ${path} (reinstall the package: npm ci)`, { asset, path });
  }
}
