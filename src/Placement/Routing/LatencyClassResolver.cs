using ControlPlane.Placement.Deployments;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// Decides a request's latency class and expected output length: an explicit override wins; otherwise a
/// long expected output (from the size hint, or from the reasoning effort) makes it LongHorizon;
/// otherwise the deployment's default applies.
/// </summary>
public static class LatencyClassResolver
{
    /// <summary>Outputs longer than this (tokens) are long-horizon work. ~2 minutes at 70 tok/s.</summary>
    public const int LongHorizonOutputTokens = 8_000;

    /// <summary>
    /// Expected output tokens by effort when no size hint is given. Assumptions, in the spirit of public
    /// reasoning-model token budgets: low 500, medium 2,000, high 6,000, xhigh 24,000.
    /// </summary>
    public static int ExpectedOutputTokens(ReasoningEffort effort) => effort switch
    {
        ReasoningEffort.Low => 500,
        ReasoningEffort.High => 6_000,
        ReasoningEffort.XHigh => 24_000,
        _ => 2_000,
    };

    /// <summary>
    /// The latency class and expected output tokens of <paramref name="request"/> for <paramref name="deployment"/>.
    /// A size hint is the caller's and must fit the context window as given; the effort's usual output is only
    /// an estimate, so it is capped at what the window leaves after the prompt (the model server stops there).
    /// </summary>
    public static (LatencyClass Class, int ExpectedOutputTokens) Resolve(PlacementRequest request, DeploymentSpec deployment)
    {
        var output = request.ExpectedOutputTokens > 0
            ? request.ExpectedOutputTokens
            : (int)Math.Clamp((long)deployment.ContextWindowTokens - request.PromptTokens, 1, ExpectedOutputTokens(request.Effort));
        if (request.LatencyClassOverride is { } explicitClass)
        {
            return (explicitClass, output);
        }

        if (request.Effort == ReasoningEffort.XHigh || output > LongHorizonOutputTokens)
        {
            return (LatencyClass.LongHorizon, output);
        }

        return (deployment.DefaultLatencyClass, output);
    }
}
