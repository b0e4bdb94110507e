/** What the Pismo edge's operations need from the issuer domain. */
import type { IssuerTokenService } from '../../issuer/token-service.js';

export interface PismoOperationDeps {
  tokens: Pick<IssuerTokenService, 'get' | 'list' | 'perform' | 'performOnCard' | 'bindDevice'>;
}
