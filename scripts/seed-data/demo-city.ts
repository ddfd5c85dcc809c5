import type { DepartmentImportRow } from '../../core/departments/departments.js';
import type { Role } from '../../core/accounts/roles.js';

/** A demo city of 40 departments: city government, bureaus, districts, streets and linked units. */
const departments: DepartmentImportRow[] = [
  { code: 'CITY', name: '示范市人民政府', nameEn: 'Demo City Government', kind: 'city' },
  ...(
    [
      ['HOUSING', '市住房和城乡建设委员会', 'Housing and Urban-Rural Development Commission'],
      ['HRSS', '市人力资源和社会保障局', 'Human Resources and Social Security Bureau'],
      ['EDU', '市教育委员会', 'Education Commission'],
      ['COMMERCE', '市商务局', 'Commerce Bureau'],
      ['TOURISM', '市文化和旅游局', 'Culture and Tourism Bureau'],
      ['ECO', '市生态环境局', 'Ecology and Environment Bureau'],
      ['HEALTH', '市卫生健康委员会', 'Health Commission'],
      ['TRANSPORT', '市交通委员会', 'Transport Commission'],
      ['URBAN', '市城市管理委员会', 'Urban Management Commission'],
      ['MARKET', '市市场监督管理局', 'Market Regulation Bureau'],
      ['WATER', '市水务局', 'Water Authority'],
      ['PLANNING', '市规划和自然资源委员会', 'Planning and Natural Resources Commission'],
      ['CIVIL', '市民政局', 'Civil Affairs Bureau'],
      ['EMERGENCY', '市应急管理局', 'Emergency Management Bureau'],
      ['AGRI', '市农业农村局', 'Agriculture and Rural Affairs Bureau'],
      ['PUBSEC', '市公安局', 'Public Security Bureau'],
      ['ECONINFO', '市经济和信息化局', 'Economy and Information Technology Bureau'],
      ['GOVSVC', '市政务服务管理局', 'Government Services Administration'],
    ] as const
  ).map(([code, name, nameEn]) => ({ code, name, nameEn, kind: 'bureau' as const, parentCode: 'CITY' })),
  ...(
    [
      ['DONGCHENG', '东城区人民政府', 'Dongcheng District', [['DC-DHM', '东华门街道'], ['DC-JS', '景山街道'], ['DC-JDK', '交道口街道']]],
      ['XICHENG', '西城区人民政府', 'Xicheng District', [['XC-XCAJ', '西长安街街道'], ['XC-DS', '德胜街道'], ['XC-JRJ', '金融街街道']]],
      ['CHAOYANG', '朝阳区人民政府', 'Chaoyang District', [['CY-JW', '建外街道'], ['CY-SLT', '三里屯街道'], ['CY-WJ', '望京街道']]],
      ['HAIDIAN', '海淀区人民政府', 'Haidian District', [['HD-ZGC', '中关村街道'], ['HD-HD', '海淀街道'], ['HD-XYL', '学院路街道']]],
    ] as const
  ).flatMap(([code, name, nameEn, streets]) => [
    { code, name, nameEn, kind: 'district' as const, parentCode: 'CITY' },
    ...streets.map(([streetCode, streetName]) => ({ code: streetCode, name: streetName, kind: 'street' as const, parentCode: code })),
  ]),
  { code: 'CY-URBAN', name: '朝阳区城市管理委员会', nameEn: 'Chaoyang Urban Management', kind: 'bureau', parentCode: 'CHAOYANG' },
  ...(
    [
      ['UTIL-WATER', '市自来水集团', 'City Water Supply Group'],
      ['UTIL-POWER', '市供电公司', 'City Power Supply Company'],
      ['UTIL-GAS', '市燃气集团', 'City Gas Group'],
      ['UTIL-HEAT', '市热力集团', 'City Heating Group'],
      ['UTIL-BUS', '市公交集团', 'City Bus Group'],
    ] as const
  ).map(([code, name, nameEn]) => ({ code, name, nameEn, kind: 'unit' as const, parentCode: 'CITY' })),
];

export const demoDepartments: DepartmentImportRow[] = departments.map((d) => ({
  ...d,
  emails: [`${d.code.toLowerCase()}@departments.hotline12345.local`],
}));

/** The lead department for each first-level category of the shipped taxonomy. */
export const categoryDepartments: Record<string, string> = {
  城乡建设: 'HOUSING',
  劳动和社会保障: 'HRSS',
  教育文体: 'EDU',
  商贸旅游: 'COMMERCE',
  环境保护: 'ECO',
  卫生计生: 'HEALTH',
  交通运输: 'TRANSPORT',
  农村农业: 'AGRI',
  政法: 'PUBSEC',
  民政: 'CIVIL',
  党务政务: 'GOVSVC',
  经济管理: 'MARKET',
  纪检监察: 'GOVSVC',
  国土资源: 'PLANNING',
  科技与信息产业: 'ECONINFO',
};

/** One account per role; user names are stable because the README and the tests name them. */
export const demoUsers: { username: string; displayName: string; roles: Role[]; departmentCode?: string }[] = [
  { username: 'admin', displayName: '系统管理员', roles: ['administrator'] },
  { username: 'operator1', displayName: '话务员一', roles: ['operator'] },
  { username: 'operator2', displayName: '话务员二', roles: ['operator'] },
  { username: 'dispatcher1', displayName: '派单员一', roles: ['dispatcher'] },
  { username: 'dept1', displayName: '住建委承办人', roles: ['department_staff'], departmentCode: 'HOUSING' },
  { username: 'head1', displayName: '住建委负责人', roles: ['department_head'], departmentCode: 'HOUSING' },
  { username: 'dept2', displayName: '交通委承办人', roles: ['department_staff'], departmentCode: 'TRANSPORT' },
  { username: 'street1', displayName: '望京街道承办人', roles: ['department_staff'], departmentCode: 'CY-WJ' },
  { username: 'supervisor1', displayName: '督办员一', roles: ['supervisor'] },
];
