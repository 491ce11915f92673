using System.IO.Ports;
using City.EdgeCtl.Modbus;

namespace City.EdgeCtl.Tests;

public class ModbusEndpointTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:502", "127.0.0.1", 502, "tcp://127.0.0.1:502")]
    [InlineData("tcp://127.0.0.1", "127.0.0.1", 502, "tcp://127.0.0.1:502")]
    [InlineData("tcp://10.20.0.15:1502", "10.20.0.15", 1502, "tcp://10.20.0.15:1502")]
    [InlineData("tcp://meter-3.cabinet.local:5020", "meter-3.cabinet.local", 5020, "tcp://meter-3.cabinet.local:5020")]
    [InlineData("TCP://localhost:502/", "localhost", 502, "tcp://localhost:502")]
    [InlineData("tcp://[::1]:1502", "::1", 1502, "tcp://[::1]:1502")]
    [InlineData("tcp://[::1]", "::1", 502, "tcp://[::1]:502")]
    [InlineData("tcp://127.0.0.1:65535", "127.0.0.1", 65535, "tcp://127.0.0.1:65535")]
    public void TryParse_ValidTcp_GivesHostPortAndCanonicalText(string text, string host, int port, string canonical)
    {
        Assert.True(ModbusEndpoint.TryParse(text, out ModbusEndpoint? endpoint, out string error), error);
        Assert.Equal(ModbusTransportKind.Tcp, endpoint!.Kind);
        Assert.Equal(host, endpoint.Target);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(canonical, endpoint.ToString());
    }

    [Theory]
    [InlineData("rtu:///dev/ttyUSB0", "/dev/ttyUSB0", 19200, Parity.Even, StopBits.One, 8)]
    [InlineData("rtu:///dev/ttyX?baud=19200&parity=even&stop=1", "/dev/ttyX", 19200, Parity.Even, StopBits.One, 8)]
    [InlineData("rtu:///dev/ttyS1?baud=9600&parity=none&stop=2", "/dev/ttyS1", 9600, Parity.None, StopBits.Two, 8)]
    [InlineData("rtu:///dev/ttyS1?parity=odd", "/dev/ttyS1", 19200, Parity.Odd, StopBits.One, 8)]
    [InlineData("rtu:///dev/ttyAMA0?baud=115200&parity=N&stop=1&data=8", "/dev/ttyAMA0", 115200, Parity.None, StopBits.One, 8)]
    [InlineData("rtu:///dev/ttyS0?data=7&stop=1.5", "/dev/ttyS0", 19200, Parity.Even, StopBits.OnePointFive, 7)]
    [InlineData("rtu://COM3?baud=38400", "COM3", 38400, Parity.Even, StopBits.One, 8)]
    public void TryParse_ValidRtu_GivesSerialSettings(string text, string port, int baud, Parity parity, StopBits stop, int data)
    {
        Assert.True(ModbusEndpoint.TryParse(text, out ModbusEndpoint? endpoint, out string error), error);
        Assert.Equal(ModbusTransportKind.Rtu, endpoint!.Kind);
        Assert.Equal(port, endpoint.Target);
        Assert.Equal(baud, endpoint.BaudRate);
        Assert.Equal(parity, endpoint.Parity);
        Assert.Equal(stop, endpoint.StopBits);
        Assert.Equal(data, endpoint.DataBits);
        Assert.Equal($"rtu://{port}", endpoint.ToString());
    }

    [Theory]
    [InlineData("", "empty endpoint")]
    [InlineData("   ", "empty endpoint")]
    [InlineData("127.0.0.1:502", "expected tcp://HOST:PORT or rtu://")]
    [InlineData("udp://127.0.0.1:502", "expected tcp://HOST:PORT or rtu://")]
    [InlineData("http://127.0.0.1", "expected tcp://HOST:PORT or rtu://")]
    [InlineData("tcp://", "expected tcp://HOST:PORT")]
    [InlineData("tcp://:502", "expected tcp://HOST:PORT")]
    [InlineData("tcp://127.0.0.1:0", "port must be 1-65535")]
    [InlineData("tcp://127.0.0.1:70000", "expected tcp://HOST:PORT")]
    [InlineData("tcp://127.0.0.1:abc", "expected tcp://HOST:PORT")]
    [InlineData("tcp://127.0.0.1:502/unit/3", "only tcp://HOST:PORT")]
    [InlineData("tcp://127.0.0.1:502?unit=3", "only tcp://HOST:PORT")]
    [InlineData("tcp://user@127.0.0.1:502", "only tcp://HOST:PORT")]
    [InlineData("rtu://", "missing serial port")]
    [InlineData("rtu:///", "missing serial port")]
    [InlineData("rtu://?baud=9600", "missing serial port")]
    [InlineData("rtu:///dev/ttyS0?baud=fast", "bad baud 'fast'")]
    [InlineData("rtu:///dev/ttyS0?baud=0", "bad baud '0'")]
    [InlineData("rtu:///dev/ttyS0?baud=-9600", "bad baud '-9600'")]
    [InlineData("rtu:///dev/ttyS0?parity=maybe", "bad parity 'maybe'")]
    [InlineData("rtu:///dev/ttyS0?stop=3", "bad stop '3'")]
    [InlineData("rtu:///dev/ttyS0?data=9", "bad data '9'")]
    [InlineData("rtu:///dev/ttyS0?speed=9600", "unknown parameter 'speed'")]
    public void TryParse_Invalid_ReturnsFalseWithMessage(string text, string expected)
    {
        Assert.False(ModbusEndpoint.TryParse(text, out ModbusEndpoint? endpoint, out string error));
        Assert.Null(endpoint);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
