using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>The operator API checks its inputs and its callers' roles.</summary>
public sealed class FleetApiBadInputTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    private Task List(ListAcceleratorsRequest request, Metadata? headers = null) =>
        plane.Fleet.ListAcceleratorsAsync(request, headers ?? plane.Operator).ResponseAsync;

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    [InlineData(int.MaxValue)]
    public async Task Page_size_out_of_range_is_refused(int size)
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "page_size", () => List(new ListAcceleratorsRequest { PageSize = size }), "0..1000");
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("YWZ0ZXI6")] // "after:" with no id
    [InlineData("c29tZXRoaW5nIGVsc2U=")] // "something else"
    public async Task A_page_token_this_api_did_not_issue_is_refused(string token)
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "page_token", () => List(new ListAcceleratorsRequest { PageToken = token }), "next_page_token");
    }

    [Fact]
    public async Task Unknown_enum_values_and_bad_filters_are_refused()
    {
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "hardware_class", () => List(new ListAcceleratorsRequest { HardwareClass = (HardwareClass)7 }));
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "state", () => List(new ListAcceleratorsRequest { State = (AcceleratorState)99 }));
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "node_id", () => List(new ListAcceleratorsRequest { NodeId = "Node 7" }));
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "pool", () => List(new ListAcceleratorsRequest { Pool = new string('p', 300) }));
    }

    [Fact]
    public async Task Showing_an_unknown_or_malformed_id_says_which()
    {
        await RpcAssert.FailsOnField(StatusCode.NotFound, "accelerator_id",
            () => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = "no-such-accelerator" }, plane.Operator).ResponseAsync, "no accelerator 'no-such-accelerator'");
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "accelerator_id",
            () => plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = "" }, plane.Operator).ResponseAsync, "is required");
    }

    [Fact]
    public async Task Pinging_an_unknown_node_or_with_a_bad_timeout_is_refused()
    {
        var p = plane.NewPrefix();
        await RpcAssert.FailsOnField(StatusCode.NotFound, "node_id",
            () => plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = $"{p}-ghost-node" }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "timeout_ms",
            () => plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = $"{p}-ghost-node", TimeoutMs = -5 }, plane.Operator).ResponseAsync);
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "timeout_ms",
            () => plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = $"{p}-ghost-node", TimeoutMs = 3_600_000 }, plane.Operator).ResponseAsync);
    }

    [Fact]
    public async Task Roles_are_enforced()
    {
        var p = plane.NewPrefix();
        var none = await RpcAssert.Fails(StatusCode.Unauthenticated, () => List(new ListAcceleratorsRequest(), new Metadata()));
        var agent = await RpcAssert.Fails(StatusCode.PermissionDenied, () => List(new ListAcceleratorsRequest(), plane.Auth(CallerRole.Agent, $"{p}-some-node")));
        var gateway = await RpcAssert.Fails(StatusCode.PermissionDenied, () => List(new ListAcceleratorsRequest(), plane.Auth(CallerRole.Gateway, "gw")));
        await List(new ListAcceleratorsRequest(), plane.Auth(CallerRole.Viewer, "grafana"));
        var viewerPing = await RpcAssert.Fails(StatusCode.PermissionDenied,
            () => plane.Fleet.PingNodeAsync(new PingNodeRequest { NodeId = "x" }, plane.Auth(CallerRole.Viewer, "grafana")).ResponseAsync);

        Assert.Contains("missing", none.Status.Detail);
        Assert.Contains("role 'agent' may not call /controlplane.v1.FleetService/ListAccelerators", agent.Status.Detail);
        Assert.Contains("operator or viewer", gateway.Status.Detail);
        Assert.Contains("needs a token with role operator", viewerPing.Status.Detail);
    }
}
