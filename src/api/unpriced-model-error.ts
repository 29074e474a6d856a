/**
 * A capped tenant asked for a model that has no price and no worst-case price is configured for it: its
 * reservation would be $0, so the cap could not bound what the job costs.
 */
export class UnpricedModelError extends Error {
  override readonly name = 'UnpricedModelError';

  constructor(
    /** What the request named: a model, a route or `provider:model`. */
    readonly requested: string,
    /** The unpriced target, as `provider:model`. */
    readonly target: string,
    readonly providerId: string,
  ) {
    const through = requested === target ? '' : ` (a target of "${requested}")`;
    super(
      `Model "${target}"${through} has no price, and this tenant has a spending cap, so the cost of the request ` +
        `cannot be bounded. Use a priced model, or ask an operator to price it in the config: a "models" entry ` +
        `with inputUsdPerMTok and outputUsdPerMTok, or a worst-case budgets.unpricedModelPrice ` +
        `(or providers.${providerId}.unpricedModelPrice).`,
    );
  }
}
