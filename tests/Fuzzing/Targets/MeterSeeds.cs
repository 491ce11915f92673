using System.Text;

namespace City.Fuzzing.Targets;

/// <summary>
/// TIC: Linky frames recorded in the test data of the teleinfo-nom parser (github.com/gaetronik/teleinfo-nom), as in
/// tests/Tic.Tests/TicVectors.cs (the standard frame shortened). M-Bus: frames of libmbus's public test corpus
/// (tests/MBus.Tests/Vectors/libmbus, one file per meter), read from the test folder when the seeds are written.
/// </summary>
internal static class MeterSeeds
{
    private const string Historic =
        "\nADCO 031961098836 M\r\nOPTARIF BBR( S\r\nISOUSC 45 ?\r\nBBRHCJB 001478389 E\r\nBBRHPJB 001012295 >\r\nBBRHCJW 000134553 G\r" +
        "\nBBRHPJW 000213701 M\r\nBBRHCJR 000025098 E\r\nBBRHPJR 000006010 A\r\nPTEC HPJB P\r\nDEMAIN BLEU V\r\nIINST 001 X\r\nIMAX 060 E\r" +
        "\nPAPP 00120 $\r\nHHPHC A ,\r\nMOTDETAT 000000 B\r";

    private const string Standard =
        "\nADSC\t041776199277\tI\r\nVTIC\t02\tJ\r\nDATE\tH200214230804\t\t;\r\nNGTF\t     TEMPO      \tF\r\nLTARF\t   HC  BLANC    \t6\r" +
        "\nEAST\t021849106\t.\r\nEASF01\t004855593\tI\r\nIRMS1\t003\t1\r\nURMS1\t237\tF\r\nPREF\t30\tB\r\nPCOUP\t30\t\\\r" +
        "\nSINSTS\t02700\tO\r\nSMAXSN\tH200214175135\t10802\t7\r\nCCASN-1\tH200214225000\t00786\t \r\nUMOY1\tH200214230000\t237\t(\r" +
        "\nSTGE\t463A0800\tK\r\nDPM1\t 200214060000\t00\t\\\r\nMSG1\tPAS DE          MESSAGE         \t<\r\nPRM\t07361794479930\tF\r" +
        "\nRELAIS\t001\tC\r\nNTARF\t03\tP\r\nNJOURF+1\t00\tB\r";

    private static readonly string[] MBusFiles =
    [
        "EDC.hex", "ACW_Itron-BM-plus-m.hex", "ACW_Itron-CYBLE-M-Bus-14.hex", "manual_frame2.hex", "manual_frame7.hex", "sen_pollusonic_2.hex",
    ];

    public static IEnumerable<byte[]> TicFrames()
    {
        yield return Frame(Historic);
        yield return Frame(Standard);
        yield return [.. Frame(Historic[..120]), 0x04, .. Frame(Historic)];
    }

    public static IEnumerable<byte[]> MBusFrames()
    {
        string folder = Path.Combine(RepositoryRoot(), "tests", "MBus.Tests", "Vectors", "libmbus");
        foreach (string file in MBusFiles)
        {
            yield return Convert.FromHexString(string.Concat(File.ReadAllText(Path.Combine(folder, file)).Where(Uri.IsHexDigit)));
        }

        yield return [0xE5, 0x10, 0x5B, 0x01, 0x5C, 0x16];
    }

    private static byte[] Frame(string groups) => Encoding.ASCII.GetBytes("\u0002" + groups + "\u0003");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Edge.sln not found above " + AppContext.BaseDirectory);
    }
}
