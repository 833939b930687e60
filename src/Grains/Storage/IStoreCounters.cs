namespace ControlPlane.Grains.Storage;

/// <summary>What a grain state store has done since it was opened, for the silo's metrics.</summary>
public interface IStoreCounters
{
    /// <summary>The provider's name in metrics: <c>sqlite</c> or <c>cosmos</c>.</summary>
    string Provider { get; }

    /// <summary>State reads.</summary>
    long Reads { get; }

    /// <summary>Writes and clears applied.</summary>
    long Writes { get; }

    /// <summary>Writes and clears refused for a stale ETag.</summary>
    long Conflicts { get; }

    /// <summary>Requests the store throttled (429), each retry counted; 0 for stores that do not throttle.</summary>
    long Throttles { get; }
}
