namespace ControlPlane.Placement.Routing.Filters;

/// <summary>The rejection reason a filter stands for, and its precedence among filters (lower is closer to success).</summary>
/// <param name="Reason">What the caller is told.</param>
/// <param name="Precedence">Lower wins when several filters removed candidates.</param>
public readonly record struct FilterRefusal(RejectionReason Reason, int Precedence);
