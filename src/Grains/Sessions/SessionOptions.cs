namespace ControlPlane.Grains.Sessions;

/// <summary>How session grains keep their state and when idle ones leave memory. Bound from the <c>ControlPlane:Sessions</c> configuration section.</summary>
public sealed class SessionOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Sessions";

    /// <summary>
    /// Most time a session's usage and history wait in memory before they are written to storage
    /// (ownership and model switches are written at once). Default 5 s.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A session grain idle this long (no Place, Complete or Renew) is deactivated, its state saved, and its
    /// memory freed; its next turn activates it again from storage. Longer than
    /// <c>ControlPlane:Placement:PlacementLease</c>, so a session holding a live placement is never collected
    /// (a live placement is renewed or completed within its lease). Default 10 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
