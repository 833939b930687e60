namespace ControlPlane.Contracts.Placement;

/// <summary>The limits of the PlaceStream protocol, shared by the silo that enforces them and the clients that keep to them.</summary>
public static class PlacementStreamProtocol
{
    /// <summary>Items one message may carry; a larger batch ends the stream with INVALID_ARGUMENT.</summary>
    public const int MaxItemsPerBatch = 1024;

    /// <summary>Longest correlation id, in characters.</summary>
    public const int MaxCorrelationIdLength = 64;
}
