namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>
/// A drain in progress or done (durable with the accelerator). The accelerator stops taking new sessions
/// at once; each hosted replica is <em>released</em> when its deployment's disruption budget allows (or the
/// drain is forced, or the deadline passes) and then takes no turns at all; the drain completes when every
/// replica is released and no placement or agent stream is left.
/// </summary>
[GenerateSerializer, Alias("cp.DrainRecord")]
public sealed class DrainRecord
{
    /// <summary>Why the operator drains.</summary>
    [Id(0)] public string Reason { get; set; } = "";

    /// <summary>Who asked.</summary>
    [Id(1)] public string RequestedBy { get; set; } = "";

    /// <summary>When it started.</summary>
    [Id(2)] public DateTimeOffset StartedAt { get; set; }

    /// <summary>When remaining work is cut over; null for no deadline.</summary>
    [Id(3)] public DateTimeOffset? Deadline { get; set; }

    /// <summary>Whether disruption budgets are skipped.</summary>
    [Id(4)] public bool Force { get; set; }

    /// <summary>When the accelerator became Drained; null while draining.</summary>
    [Id(5)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Placements cut over at the deadline.</summary>
    [Id(6)] public int CutPlacements { get; set; }

    /// <summary>Replicas whose deployment let them go: they take no more turns here.</summary>
    [Id(7)] public HashSet<string> Released { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Why each replica not yet released is held, as its deployment said.</summary>
    [Id(8)] public Dictionary<string, string> Held { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Streams the agent last said were still running here; null until it reports during this drain.</summary>
    [Id(9)] public int? AgentRemainingStreams { get; set; }

    /// <summary>Whether the deadline passed and remaining work was cut over.</summary>
    [Id(10)] public bool CutOver { get; set; }

    /// <summary>
    /// Whether work may start moving away. A drain of many accelerators marks them all Draining first and
    /// only then lets work move, so no session moves onto an accelerator about to drain.
    /// </summary>
    [Id(11)] public bool MovingWork { get; set; }

    /// <summary>Records that the deployment let <paramref name="replicaId"/> go; false when it already had.</summary>
    public bool Release(string replicaId)
    {
        Held.Remove(replicaId);
        return Released.Add(replicaId);
    }

    /// <summary>Records why <paramref name="replicaId"/> is held; false when it is released or the reason is unchanged.</summary>
    public bool Hold(string replicaId, string reason)
    {
        if (Released.Contains(replicaId) || Held.GetValueOrDefault(replicaId) == reason)
        {
            return false;
        }

        Held[replicaId] = reason;
        return true;
    }

    /// <summary>The deadline overrides budgets: every hosted replica is released and <paramref name="placements"/> placements were cut.</summary>
    public void CutOverAll(int placements, IEnumerable<string> hosted)
    {
        CutOver = true;
        CutPlacements = placements;
        Released.UnionWith(hosted);
        Held.Clear();
    }

    /// <summary>A replica left the accelerator: nothing about it is kept.</summary>
    public void Forget(string replicaId)
    {
        Released.Remove(replicaId);
        Held.Remove(replicaId);
    }
}
