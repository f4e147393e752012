#include "common/validation/education.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kEducationEntries[] = {
    {10, "10", "研究生"},   {11, "11", "博士研究生"}, {14, "14", "硕士研究生"},
    {20, "20", "大学本科"}, {30, "30", "大学专科"},   {40, "40", "中等专科"},
    {50, "50", "技工学校"}, {60, "60", "高中"},       {70, "70", "初中"},
    {80, "80", "小学"},     {90, "90", "其他"},
};
constexpr CodeList kEducationCodes("education (GB/T 4658)", kEducationEntries);

}  // namespace

const CodeList& EducationCodes() { return kEducationCodes; }

}  // namespace unemployment::validation
