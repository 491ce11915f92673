using City.Contract;
using City.Edge.Devices;
using City.Edge.Vms;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;
using Microsoft.Extensions.Configuration;

namespace City.Edge.Tests;

/// <summary>The vms driver's configuration and the events it derives from two reads of a sign.</summary>
public class VmsDriverTests
{
    private static (IReadOnlyList<DeviceDefinition> Devices, List<string> Errors) Validate(Dictionary<string, string?> keys)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys).Build();
        var errors = new List<string>();
        var devices = new VmsDriver().Validate(configuration.GetSection("Edge"), [new DeviceEntry(0, "Edge:Devices:0", "vms", configuration.GetSection("Edge:Devices:0"))], errors);
        return (devices, errors);
    }

    [Fact]
    public void ASign_GetsItsFixedPoints_AndItsSettings_SNMPv3ByDefault()
    {
        var (devices, errors) = Validate(new()
        {
            ["Edge:Devices:0:Name"] = "vms1", ["Edge:Devices:0:Protocol"] = "vms", ["Edge:Devices:0:Host"] = "10.20.0.30", ["Edge:Devices:0:StatusPeriodMs"] = "5000",
            ["Edge:Devices:0:User"] = "signs", ["Edge:Devices:0:AuthProtocol"] = "SHA-256", ["Edge:Devices:0:AuthPassword"] = "auth-pass-1",
            ["Edge:Devices:0:PrivProtocol"] = "AES", ["Edge:Devices:0:PrivPassword"] = "priv-pass-1",
        });

        Assert.Empty(errors);
        var sign = Assert.Single(devices);
        Assert.Equal("snmp://10.20.0.30:161", sign.Endpoint);
        Assert.Contains(sign.Points, p => p.Id == "vms1/message");
        Assert.True(sign.Points.Single(p => p.Name == VmsDeviceConfig.EventsPoint).IsEvent);
        var settings = sign.SettingsOf<VmsDeviceSettings>();
        Assert.Equal(TimeSpan.FromSeconds(5), settings.StatusPeriod);
        Assert.Equal((SnmpVersion.V3, SnmpSecurityLevel.AuthPriv, "signs"), (settings.Target(write: true).Version, settings.Target(write: true).SecurityLevel, settings.Target(write: true).User?.Name));
    }

    [Fact]
    public void AV2cSign_ReadsWithItsCommunity_AndWritesWithItsWriteCommunity_WhichItNeeds()
    {
        var keys = new Dictionary<string, string?>
        {
            ["Edge:Devices:0:Name"] = "vms1", ["Edge:Devices:0:Protocol"] = "vms", ["Edge:Devices:0:Host"] = "10.20.0.30", ["Edge:Devices:0:Version"] = "2c",
            ["Edge:Devices:0:Community"] = "public",
        };
        var (refused, problems) = Validate(keys);
        Assert.Empty(refused);
        Assert.Contains(problems, e => e.StartsWith("Edge:Devices:0:WriteCommunity: a v1/v2c sign needs a WriteCommunity", StringComparison.Ordinal));

        keys["Edge:Devices:0:WriteCommunity"] = "private";
        var (devices, errors) = Validate(keys);
        Assert.Empty(errors);
        var settings = Assert.Single(devices).SettingsOf<VmsDeviceSettings>();
        Assert.Equal(("public", "private"), (settings.Target(write: false).Community, settings.Target(write: true).Community));
        Assert.DoesNotContain("private", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ASignWithoutAnAddress_OrWithPoints_IsRefusedWithItsKey()
    {
        var (devices, errors) = Validate(new()
        {
            ["Edge:Devices:0:Name"] = "vms1", ["Edge:Devices:0:Protocol"] = "vms", ["Edge:Devices:0:Host"] = "sign.local", ["Edge:Devices:0:Points:0:Name"] = "x",
        });

        Assert.Empty(devices);
        Assert.Contains(errors, e => e.StartsWith("Edge:Devices:0:Host: a sign (vms) needs an IP address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Edge:Devices:0:Points: a sign's points are fixed", StringComparison.Ordinal));
    }

    [Fact]
    public void Changes_BecomeEvents_MessageFirst()
    {
        var blank = new SignMessage("", new MessageIdCode(MessageMemoryType.Blank, 1, 0), 0);
        var shown = new SignMessage("ROAD WORK", new MessageIdCode(MessageMemoryType.Changeable, 1, 0x1234), 0);
        var ok = new SignStatus(ShortErrorStatus.None, 0, 0, 0, 0, 0);
        var faulty = new SignStatus(ShortErrorStatus.Pixel | ShortErrorStatus.DoorOpen, 2, 1, 0, 1, 0);

        Assert.Equal(["sign-blanked"], VmsSignRunner.Changes(null, blank, "", null, ok));
        Assert.Empty(VmsSignRunner.Changes(blank, blank, "", ok, ok));
        Assert.Equal(["message-shown: ROAD WORK", "pixel-failures: 2", "lamp-failures: 1", "door-open"], VmsSignRunner.Changes(blank, shown, "ROAD WORK", ok, faulty));
        Assert.Equal(["pixel-failures-cleared", "lamp-failures-cleared", "door-closed"], VmsSignRunner.Changes(shown, shown, "ROAD WORK", faulty, ok));
    }
}
