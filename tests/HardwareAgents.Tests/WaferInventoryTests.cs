using ControlPlane.HardwareAgents.Discovery;

namespace ControlPlane.HardwareAgents.Tests;

public class WaferInventoryTests
{
    [Fact]
    public void Reads_systems_with_defaults()
    {
        var systems = WaferInventory.Parse("""
            {
              // two CS-3s in one row
              "systems": [
                { "id": "cs3-a01", "region": "us-east", "zone": "use1-az1", "rack": "r12" },
                { "id": "cs3-a02", "sku": "cs3", "region": "us-east", "zone": "use1-az2", "sramBytes": 40000000000 },
              ]
            }
            """, "wafers.json");

        Assert.Equal(2, systems.Count);
        Assert.Equal(new WaferSystem("cs3-a01", "cs3", "us-east", "use1-az1", "r12", WaferInventory.DefaultSramBytes), systems[0]);
        Assert.Equal(40_000_000_000, systems[1].SramBytes);
    }

    [Theory]
    [InlineData("{ \"systems\": [ { \"id\": \"a\", \"region\": \"r\", \"zone\": \"z\" }, ]", "is not valid at line")]
    [InlineData("{ \"systems\": [] }", "lists no systems")]
    [InlineData("{ \"systems\": [ { \"region\": \"r\", \"zone\": \"z\" } ] }", "systems[0].id is required")]
    [InlineData("{ \"systems\": [ { \"id\": \"a\", \"zone\": \"z\" } ] }", "systems[0].region is required")]
    [InlineData("{ \"systems\": [ { \"id\": \"a\", \"region\": \"r\", \"zone\": \"z\" }, { \"id\": \"a\", \"region\": \"r\", \"zone\": \"z\" } ] }", "systems[1].id 'a' appears more than once")]
    [InlineData("{ \"systems\": [ { \"id\": \"a\", \"region\": \"r\", \"zone\": \"z\", \"sramBytes\": -1 } ] }", "systems[0].sramBytes must be positive")]
    [InlineData("{ \"systems\": [ { \"id\": \"a\", \"region\": \"r\", \"zone\": \"z\", \"colour\": \"red\" } ] }", "colour")]
    public void Bad_inventories_name_the_file_and_the_problem(string json, string expected)
    {
        var error = Assert.Throws<HardwareDiscoveryException>(() => WaferInventory.Parse(json, "wafers.json"));

        Assert.Contains("wafers.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_missing_file_is_reported_with_its_path()
    {
        var error = await Assert.ThrowsAsync<HardwareDiscoveryException>(() => WaferInventory.LoadAsync("/nonexistent/wafers.json", default));

        Assert.Contains("/nonexistent/wafers.json", error.Message);
    }
}
