using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Simulator.Fleets;

namespace ControlPlane.Simulator.Tests;

public class FleetFileTests
{
    private static string BuildError(Func<string, string> spoil)
    {
        var file = FleetFile.Parse(spoil(TestFleets.Fleet), "fleet.json");
        return Assert.Throws<FleetFileException>(() => SimFleet.Build(file, HardwareCatalogue.Default, PerformanceModel.Default)).Message;
    }

    [Fact]
    public void A_valid_fleet_is_placed_by_the_control_planes_planner_across_zones()
    {
        var fleet = TestFleets.Build();

        Assert.Equal(10, fleet.Accelerators.Count);
        Assert.Equal(7, fleet.Replicas.Count);
        var fast = fleet.Replicas.Where(r => r.Deployment == "fast").ToArray();
        Assert.Equal(2, fast.Count(r => r.Assignment.Sku.Class == HardwareClass.WaferScale)); // 4 wafers: two 2-wafer replicas
        Assert.Single(fast, r => r.Assignment.Sku.Class == HardwareClass.Gpu);
        Assert.Equal(2, fast.Where(r => r.Assignment.Sku.Class == HardwareClass.WaferScale).Select(r => r.Assignment.Zone).Distinct().Count());
        Assert.Empty(fleet.PlacementProblems);
    }

    [Theory]
    [InlineData("\"sku\": \"h200\"", "\"sku\": \"h300\"", "pools[1].sku: 'h300' is not a known SKU; known: b200, cs3, h100-sxm, h200")]
    [InlineData("\"count\": 4", "\"count\": 0", "pools[0].count: must be 1..100000 (got 0)")]
    [InlineData("\"precision\": \"fp8\"", "\"precision\": \"fp4\"", "deployments[1].precision: must be bf16, fp8 or int4 (got 'fp4')")]
    [InlineData("[\"gpu\"], \"replicas\": 4", "[\"tpu\"], \"replicas\": 4", "deployments[1].allowed_classes: must list wafer-scale and/or gpu (got [tpu])")]
    [InlineData("\"long_horizon\": \"large\"", "\"long_horizon\": \"huge\"", "routing.long_horizon: must name a deployment of the file (got 'huge')")]
    [InlineData("\"ttft_seconds\": 1.0", "\"ttft_seconds\": -1", "deployments[0].slo.ttft_seconds: must be more than 0")]
    [InlineData("\"replicas\": 3,", "\"replicas\": 3, \"max_replicas\": 2,", "deployments[0].max_replicas: must be 0 (no scaling on load) or between replicas and")]
    public void Each_bad_value_is_named_with_its_place_in_the_file(string from, string to, string expected)
    {
        Assert.Contains(expected, BuildError(json => json.Replace(from, to)));
    }

    [Fact]
    public void Every_fleet_file_the_repository_ships_is_valid_and_fully_placed()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot.Find(), "deploy", "simulator"), "*.json");

        Assert.Contains(files, f => f.EndsWith("fleet-eval-scaling.json", StringComparison.Ordinal));
        foreach (var path in files)
        {
            var fleet = SimFleet.Build(FleetFile.Parse(File.ReadAllText(path), path), HardwareCatalogue.Default, PerformanceModel.Default);
            Assert.True(fleet.PlacementProblems.Count == 0, $"{Path.GetFileName(path)}: {string.Join("; ", fleet.PlacementProblems)}");
            Assert.NotEmpty(fleet.Replicas);
        }
    }

    [Fact]
    public void Unknown_keys_and_broken_json_are_refused_with_the_place()
    {
        var unknown = Assert.Throws<FleetFileException>(() => FleetFile.Parse(TestFleets.Fleet.Replace("\"racks_per_zone\"", "\"rack_count\"").Replace("\"count\": 4,", "\"count\": 4, \"colour\": \"red\","), "fleet.json"));
        var broken = Assert.Throws<FleetFileException>(() => FleetFile.Parse("{ \"pools\": [ { \"name\": ", "fleet.json"));
        var missing = Assert.Throws<FleetFileException>(() => FleetFile.Load("/no/such/fleet.json"));

        Assert.Contains("colour", unknown.Message);
        Assert.Contains("$.pools[0]", unknown.Message);
        Assert.StartsWith("fleet.json (line 1)", broken.Message);
        Assert.Contains("cannot read the fleet file", missing.Message);
    }
}
