using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Replicas;

/// <summary>One replica of a deployment as reconciling sees it.</summary>
/// <param name="ReplicaId">Its id.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Placement">Its zone, racks and accelerators (the first is the primary).</param>
/// <param name="Slots">Concurrent streams it holds.</param>
/// <param name="ActiveStreams">Slots reserved on it now. For a retiring replica this must be the primary's own count, not a lagging index: it decides when the replica may go.</param>
/// <param name="Performance">What its hardware does for the model; null when its SKU left the catalogue.</param>
/// <param name="CreationOrder">Larger is newer: of equally busy replicas, scaling in retires the newest.</param>
/// <param name="LoadingSince">When it last started loading; null when not loading or not known.</param>
/// <param name="RetiringSince">When it started retiring; null unless retiring.</param>
/// <param name="Message">Why it is in its state (kept in the reason a failed replica is removed with).</param>
/// <param name="LoadProblem">Why its load is not progressing; empty when none is known.</param>
public sealed record ReconciledReplica(
    string ReplicaId,
    ReplicaState State,
    ExistingReplica Placement,
    int Slots,
    int ActiveStreams,
    ReplicaPerformance? Performance,
    long CreationOrder,
    DateTimeOffset? LoadingSince = null,
    DateTimeOffset? RetiringSince = null,
    string Message = "",
    string LoadProblem = "");
