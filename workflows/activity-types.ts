import type { createActivities } from '../activities';

/** The activities as workflows see them: by type only, proxied to wherever they run. */
export type Activities = ReturnType<typeof createActivities>;
