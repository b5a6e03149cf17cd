// The mapping between stored route rows and RouteSpec lives with the route model (`src/routes/stored.ts`).
export { fromStoredRoute, toRouteInput } from '../../routes/stored.js';
