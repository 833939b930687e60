using Orleans.Concurrency;

namespace ControlPlane.Grains.Sessions;

/// <summary>
/// One user session (a conversation or agent run), keyed by session id: its tenant and plan, the
/// deployment it talks to, its sticky replica, its placements and usage.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Checks limits, keeps the sticky replica when still valid, else asks the router; records the placement.</summary>
    Task<SessionPlaceOutcome> PlaceAsync(SessionPlaceRequest request);

    /// <summary>
    /// Frees the placement's slot and meters its tokens; a replayed completion is answered without counting twice.
    /// Interleaves with a Place waiting in a queue, so a session's finished turns are not held up by its queued job.
    /// </summary>
    [AlwaysInterleave]
    Task<CompletionOutcome> CompleteAsync(string tenantId, string placementId, int promptTokens, int outputTokens);

    /// <summary>
    /// Extends the placement's slot lease (long jobs renew; a dead gateway does not); returns when it now
    /// expires, or null when the placement is not active in this session for this tenant.
    /// </summary>
    [AlwaysInterleave]
    Task<DateTimeOffset?> RenewAsync(string tenantId, string placementId);

    /// <summary>The session, or null when it never placed anything.</summary>
    [ReadOnly]
    Task<SessionView?> GetAsync();
}
