import { LeaseLostError, LeaseManager, type Lease } from '../../services/store/lease';
import type { Store } from '../../services/store/store';
import type { StoreFactory } from './storeContract';

const TTL = 30_000;

/** Lease behaviour on top of one Store backend, with a clock the test moves by hand. */
export function describeLeaseContract(label: string, openStore: StoreFactory): void {
  describe(`${label} leases`, () => {
    let store: Store;
    let clock: number;
    let leases: LeaseManager;

    beforeEach(async () => {
      store = await openStore();
      clock = 1_000_000;
      leases = new LeaseManager(store, () => clock);
    });

    afterEach(async () => {
      await store.close();
    });

    const acquired = async (owner: string, name = 'run:r1'): Promise<Lease> => {
      const lease = await leases.acquire(name, owner, TTL);
      if (lease === undefined) throw new Error(`${owner} expected to acquire ${name}`);
      return lease;
    };

    it('grants a free lease and refuses others while it is held', async () => {
      const lease = await acquired('A');

      expect(lease).toMatchObject({ name: 'run:r1', owner: 'A', expiresAtMs: clock + TTL });
      clock += TTL - 1;
      expect(await leases.acquire('run:r1', 'B', TTL)).toBeUndefined();
      await expect(leases.assertHeld(lease)).resolves.toBeUndefined();
    });

    it('keeps leases of different names apart', async () => {
      await acquired('A', 'run:r1');

      expect(await leases.acquire('run:r2', 'B', TTL)).toMatchObject({ owner: 'B' });
    });

    it('lets another owner take an expired lease with a higher fencing token', async () => {
      const first = await acquired('A');
      clock += TTL;

      const second = await acquired('B');

      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      await expect(leases.assertHeld(first)).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('extends a renewed lease past its first expiry', async () => {
      const lease = await acquired('A');
      clock += TTL / 2;

      const renewedAt = clock;

      const renewed = await leases.renew(lease);
      clock = lease.expiresAtMs + 1;

      expect(renewed.expiresAtMs).toBe(renewedAt + TTL);
      expect(renewed.fencingToken).toBe(lease.fencingToken);
      expect(await leases.acquire('run:r1', 'B', TTL)).toBeUndefined();
      await expect(leases.assertHeld(renewed)).resolves.toBeUndefined();
    });

    it('refuses to renew a lease someone else took', async () => {
      const lost = await acquired('A');
      clock += TTL + 1;
      await acquired('B');

      await expect(leases.renew(lost)).rejects.toThrow(LeaseLostError);
      await expect(leases.renew(lost)).rejects.toThrow(/held by B/);
    });

    it('refuses to renew an expired lease even when nobody took it', async () => {
      const lease = await acquired('A');
      clock += TTL;

      await expect(leases.renew(lease)).rejects.toThrow(/expired/);
    });

    it('frees a released lease at once, and a stale release does not free the new holder', async () => {
      const first = await acquired('A');
      await leases.release(first);

      const second = await acquired('B');
      await leases.release(first);

      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      expect(await leases.acquire('run:r1', 'C', TTL)).toBeUndefined();
      await expect(leases.assertHeld(second)).resolves.toBeUndefined();
    });

    it('starts a new tenure when the holder acquires again, e.g. after a restart', async () => {
      const before = await acquired('A');

      const after = await acquired('A');

      expect(after.fencingToken).toBeGreaterThan(before.fencingToken);
      await expect(leases.renew(before)).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('gives a free lease to exactly one of several concurrent contenders', async () => {
      const owners = ['A', 'B', 'C', 'D', 'E'];

      const results = await Promise.all(owners.map((owner) => leases.acquire('run:r1', owner, TTL)));

      const winners = results.filter((lease) => lease !== undefined);
      expect(winners).toHaveLength(1);
      await expect(leases.assertHeld(winners[0] as Lease)).resolves.toBeUndefined();
    });

    it('gives an expired lease to exactly one of several concurrent contenders', async () => {
      const first = await acquired('A');
      clock += TTL;

      const results = await Promise.all(['B', 'C', 'D'].map((owner) => leases.acquire('run:r1', owner, TTL)));

      const winners = results.filter((lease) => lease !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.fencingToken).toBe(first.fencingToken + 1);
    });

    it('issues strictly increasing fencing tokens over many tenures', async () => {
      const tokens: number[] = [];
      for (const owner of ['A', 'B', 'A', 'C']) {
        const lease = await acquired(owner);
        tokens.push(lease.fencingToken);
        await leases.release(lease);
      }

      expect(tokens).toEqual([1, 2, 3, 4]);
    });

    it('rejects a ttl that is not a positive number', async () => {
      await expect(leases.acquire('run:r1', 'A', 0)).rejects.toThrow(RangeError);
      await expect(leases.acquire('run:r1', 'A', Number.NaN)).rejects.toThrow(RangeError);
    });
  });
}
