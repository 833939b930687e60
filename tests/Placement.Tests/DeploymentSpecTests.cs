using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using static ControlPlane.Placement.Tests.Fleets;

namespace ControlPlane.Placement.Tests;

public sealed class DeploymentSpecTests
{
    [Fact]
    public void A_sound_spec_has_no_problems() => Assert.Empty(FastCoderSpec().Validate());

    public static TheoryData<string, DeploymentSpec> BadSpecs() => new()
    {
        { "name", FastCoderSpec() with { Name = "Fast_Coder" } },
        { "name", FastCoderSpec() with { Name = new string('a', 64) } },
        { "model", FastCoderSpec() with { Model = "" } },
        { "parameters", FastCoderSpec() with { Shape = FastCoder with { Parameters = 10 } } },
        { "layers", FastCoderSpec() with { Shape = FastCoder with { Layers = 0 } } },
        { "kv_bytes_per_token", FastCoderSpec() with { Shape = FastCoder with { KvBytesPerToken = -1 } } },
        { "context_window_tokens", FastCoderSpec() with { ContextWindowTokens = 0 } },
        { "allowed_classes", FastCoderSpec() with { AllowedClasses = [] } },
        { "allowed_classes", FastCoderSpec() with { AllowedClasses = [HardwareClass.Gpu, HardwareClass.Gpu] } },
        { "desired_replicas", FastCoderSpec() with { DesiredReplicas = -1, MinReplicas = 0 } },
        { "min_replicas", FastCoderSpec() with { MinReplicas = 9 } },
        { "slo.time_to_first_token", FastCoderSpec() with { Slo = FastCoderSpec().Slo with { TimeToFirstToken = TimeSpan.Zero } } },
        { "slo.min_tokens_per_second", FastCoderSpec() with { Slo = FastCoderSpec().Slo with { MinTokensPerSecond = double.NaN } } },
        { "entitled_plans", FastCoderSpec() with { EntitledPlans = ["Pro Plan"] } },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Each_bad_field_is_named(string field, DeploymentSpec spec)
    {
        var problems = spec.Validate();

        Assert.Contains(problems, p => p.Field == field);
    }

    [Fact]
    public void An_empty_plan_list_entitles_everyone_and_plan_names_ignore_case()
    {
        Assert.True((FastCoderSpec() with { EntitledPlans = [] }).Entitles("free"));
        Assert.True(FastCoderSpec().Entitles("PRO"));
        Assert.False(FastCoderSpec().Entitles("free"));
    }
}
