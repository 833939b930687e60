namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// The stream slots placements hold on one accelerator's replicas: each placement id holds one slot of one
/// replica until it is released or its lease runs out. Kept in memory by the accelerator grain: they are
/// short-lived leases, and a silo crash drops them (gateways re-place on UNAVAILABLE).
/// </summary>
public sealed class SlotReservations
{
    private readonly Dictionary<string, (string ReplicaId, DateTimeOffset ExpiresAt)> _byPlacement = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _activeByReplica = new(StringComparer.Ordinal);

    /// <summary>Placements holding a slot.</summary>
    public int Count => _byPlacement.Count;

    /// <summary>Slots of <paramref name="replicaId"/> held now.</summary>
    public int ActiveOf(string replicaId) => _activeByReplica.GetValueOrDefault(replicaId);

    /// <summary>Whether <paramref name="placementId"/> holds a slot of <paramref name="replicaId"/>.</summary>
    public bool Holds(string placementId, string replicaId) =>
        _byPlacement.TryGetValue(placementId, out var reservation) && reservation.ReplicaId == replicaId;

    /// <summary>Takes one more slot of <paramref name="replicaId"/> for <paramref name="placementId"/>, or moves its lease when it holds one already.</summary>
    /// <returns>Slots of the replica held now.</returns>
    public int Reserve(string replicaId, string placementId, DateTimeOffset expiresAt)
    {
        if (Holds(placementId, replicaId))
        {
            _byPlacement[placementId] = (replicaId, expiresAt); // a retried reservation keeps its one slot
            return ActiveOf(replicaId);
        }

        _byPlacement[placementId] = (replicaId, expiresAt);
        return _activeByReplica[replicaId] = ActiveOf(replicaId) + 1;
    }

    /// <summary>Moves the lease of <paramref name="placementId"/>; false when it holds no slot.</summary>
    public bool Renew(string placementId, DateTimeOffset expiresAt)
    {
        if (!_byPlacement.TryGetValue(placementId, out var reservation))
        {
            return false;
        }

        _byPlacement[placementId] = (reservation.ReplicaId, expiresAt);
        return true;
    }

    /// <summary>Frees the slot of <paramref name="placementId"/>; false when it held none.</summary>
    public bool Release(string placementId)
    {
        if (!_byPlacement.Remove(placementId, out var reservation))
        {
            return false;
        }

        var left = ActiveOf(reservation.ReplicaId) - 1;
        if (left > 0)
        {
            _activeByReplica[reservation.ReplicaId] = left;
        }
        else
        {
            _activeByReplica.Remove(reservation.ReplicaId);
        }

        return true;
    }

    /// <summary>Frees every slot; returns how many placements held one.</summary>
    public int ReleaseAll()
    {
        var count = _byPlacement.Count;
        _byPlacement.Clear();
        _activeByReplica.Clear();
        return count;
    }

    /// <summary>Frees every slot of <paramref name="replicaId"/> (it left the accelerator).</summary>
    public void ForgetReplica(string replicaId)
    {
        foreach (var (placementId, reservation) in _byPlacement.ToArray())
        {
            if (reservation.ReplicaId == replicaId)
            {
                _byPlacement.Remove(placementId);
            }
        }

        _activeByReplica.Remove(replicaId);
    }

    /// <summary>Frees the slots whose lease ran out by <paramref name="now"/> (a gateway that died never completes).</summary>
    /// <returns>The placements freed, with their replicas.</returns>
    public IReadOnlyList<(string PlacementId, string ReplicaId)> Expire(DateTimeOffset now)
    {
        if (_byPlacement.Count == 0)
        {
            return [];
        }

        var expired = _byPlacement.Where(p => p.Value.ExpiresAt <= now).Select(p => (p.Key, p.Value.ReplicaId)).ToArray();
        foreach (var (placementId, _) in expired)
        {
            Release(placementId);
        }

        return expired;
    }
}
