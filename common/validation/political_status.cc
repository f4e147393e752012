#include "common/validation/political_status.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kPoliticalStatusEntries[] = {
    {1, "01", "中国共产党党员"},
    {2, "02", "中国共产党预备党员"},
    {3, "03", "中国共产主义青年团团员"},
    {4, "04", "中国国民党革命委员会会员"},
    {5, "05", "中国民主同盟盟员"},
    {6, "06", "中国民主建国会会员"},
    {7, "07", "中国民主促进会会员"},
    {8, "08", "中国农工民主党党员"},
    {9, "09", "中国致公党党员"},
    {10, "10", "九三学社社员"},
    {11, "11", "台湾民主自治同盟盟员"},
    {12, "12", "无党派民主人士"},
    {13, "13", "群众"},
};
constexpr CodeList kPoliticalStatusCodes("political status (GB/T 4762)", kPoliticalStatusEntries);

}  // namespace

const CodeList& PoliticalStatusCodes() { return kPoliticalStatusCodes; }

}  // namespace unemployment::validation
