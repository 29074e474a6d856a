/** The floor's only activity: does nothing, so what it costs is Temporal's dispatch alone. */
export interface FloorActivities {
  noop(): Promise<string>;
}

export const floorActivities: FloorActivities = {
  noop: () => Promise.resolve('ok'),
};
